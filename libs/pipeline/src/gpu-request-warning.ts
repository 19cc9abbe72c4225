import type { BackendChoice } from '@ganglion/models';

/** Packages whose backend computes on a GPU. */
const GPU_PACKAGES: readonly string[] = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-webgpu'];

/**
 * A loud warning when this process was given GPUs (CUDA_VISIBLE_DEVICES,
 * as `launch --gpus` sets it) but the backend it chose does not compute on
 * one: says which backend runs instead and why. Undefined when no GPU was
 * asked for or one is in use.
 */
export function gpuRequestWarning(env: NodeJS.ProcessEnv, backend: Pick<BackendChoice, 'name' | 'packageName' | 'reason'>): string | undefined {
  const devices = env.CUDA_VISIBLE_DEVICES;
  if (devices === undefined || devices.trim() === '' || GPU_PACKAGES.includes(backend.packageName)) return undefined;
  return (
    `NO GPU BACKEND: this worker was given GPU ${devices} (CUDA_VISIBLE_DEVICES, e.g. from launch --gpus) but trains on ${backend.name} (${backend.packageName}), ` +
    `not on the GPU: ${backend.reason}. Install @tensorflow/tfjs-node-gpu with CUDA where it can load, or drop --gpus and use --workers.`
  );
}
