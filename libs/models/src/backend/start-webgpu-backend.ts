import * as tf from '@tensorflow/tfjs';
import type { GpuAdapterSummary } from './gpu-adapter-summary';
import type { OpenedAdapter } from './open-webgpu-adapter';
import type { DawnAdapter, DawnDevice, DawnGpu } from './webgpu-package';

/** What startWebGpuBackend needs from the loaded @tensorflow/tfjs-backend-webgpu package. */
export interface WebGpuBackendPackage {
  WebGPUBackend: new (device: never, adapterInfo?: never) => tf.KernelBackend;
}

/** Marks a 'webgpu' backend Ganglion started; its value is the adapter's summary. */
const GANGLION_ADAPTER = Symbol.for('ganglion.webgpuAdapter');

/** tfjs's priority for 'webgpu' (registerBackend('webgpu', ..., 3) in tfjs-backend-webgpu's base.js). */
const WEBGPU_PRIORITY = 3;

/**
 * Makes tfjs's WebGPU backend compute on the given adapter and activates it.
 * tfjs-backend-webgpu's own factory asks `navigator.gpu` for whatever
 * adapter it offers; this one builds the backend on the adapter Ganglion
 * chose, with the same device limits tfjs asks for. A 'webgpu' backend
 * started before on the same adapter is kept; any other is removed (with
 * its tensors) first. Returns whether tfjs activated it.
 */
export async function startWebGpuBackend(pkg: WebGpuBackendPackage, opened: OpenedAdapter): Promise<boolean> {
  const running = tf.findBackend('webgpu') as (tf.KernelBackend & { [GANGLION_ADAPTER]?: GpuAdapterSummary }) | null;
  if (running !== null && sameAdapter(running[GANGLION_ADAPTER], opened.summary)) {
    return tf.setBackend('webgpu');
  }
  if (running !== null || tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
  const device = await requestTrainingDevice(opened.adapter);
  tf.registerBackend(
    'webgpu',
    () =>
      whileNavigatorHasGpu(opened.gpu, () =>
        Object.assign(new pkg.WebGPUBackend(device as never, opened.adapter.info as never), { [GANGLION_ADAPTER]: opened.summary }),
      ),
    WEBGPU_PRIORITY,
  );
  return tf.setBackend('webgpu');
}

/**
 * A device with the limits tfjs-backend-webgpu requests (the adapter's own
 * maxima for the ones that matter to it), plus the adapter's maximum of
 * storage buffers per shader stage, which tfjs does not ask for (WebGPU's
 * default is 8; see webgpuAddN).
 */
function requestTrainingDevice(adapter: DawnAdapter): Promise<DawnDevice> {
  const limits = adapter.limits;
  const wanted = [
    'maxComputeWorkgroupStorageSize',
    'maxComputeWorkgroupsPerDimension',
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupSizeX',
    'maxComputeInvocationsPerWorkgroup',
    'maxStorageBuffersPerShaderStage',
  ];
  const requiredLimits: Record<string, number> = {};
  for (const name of wanted) if (typeof limits[name] === 'number') requiredLimits[name] = limits[name];
  return adapter.requestDevice({ requiredLimits });
}

function sameAdapter(a: GpuAdapterSummary | undefined, b: GpuAdapterSummary): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Runs `make` while `navigator.gpu` is defined. WebGPUBackend's constructor
 * refuses to run without it (a browser check); nothing else in the backend
 * reads it. It is removed again because dawn.node keeps a process alive for
 * as long as a global refers to its GPU object (dawn.node's README,
 * crbug.com/387965810), and Node 20 has no `navigator` at all.
 */
function whileNavigatorHasGpu<T>(gpu: DawnGpu, make: () => T): T {
  const scope = globalThis as { navigator?: { gpu?: unknown } };
  const existing = scope.navigator;
  if (existing?.gpu !== undefined) return make();
  const holder: { gpu?: unknown } = existing ?? {};
  Object.defineProperty(holder, 'gpu', { value: gpu, configurable: true, enumerable: true });
  if (existing === undefined) Object.defineProperty(scope, 'navigator', { value: holder, configurable: true, writable: true });
  try {
    return make();
  } finally {
    delete holder.gpu;
    if (existing === undefined) delete scope.navigator;
  }
}
