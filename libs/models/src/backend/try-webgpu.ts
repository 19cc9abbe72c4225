import type { BackendAttempt } from './backend-attempt';
import { describeAdapter } from './gpu-adapter-summary';
import { installWebGpuGlobals } from './install-webgpu-globals';
import { hasVulkanLoader } from './vulkan-loader';
import { firstLine, isNotInstalled } from './load-failure';
import { openWebGpuAdapter, type OpenedAdapter, type WebGpuRoute } from './open-webgpu-adapter';
import { startWebGpuBackend, type WebGpuBackendPackage } from './start-webgpu-backend';
import { WEBGPU_PACKAGE, type WebGpuPackage } from './webgpu-package';

/** npm package of tfjs's WebGPU backend. */
export const WEBGPU_BACKEND_PACKAGE = '@tensorflow/tfjs-backend-webgpu';

/** Options of tryWebGpu. */
export interface WebGpuAttemptOptions {
  /** Loads a package by name (selectBackend's loader). */
  load: (packageName: string) => unknown;
  /**
   * True when webgpu was asked for by name: every route is tried (the
   * platform's Dawn backend at core, then compatibility level, then on Linux
   * Dawn's OpenGL backend) and a software GPU is accepted. False under
   * `auto`: only the platform's backend, and only a hardware GPU.
   */
  requested: boolean;
  /** Position of the adapter in Dawn's list (GANGLION_GPU); undefined: the one Dawn prefers. */
  gpuIndex?: number;
  /** Process environment (EGL_PLATFORM is set here for the OpenGL route). */
  env?: NodeJS.ProcessEnv;
}

/**
 * The routes tried, in order. On Linux without a Vulkan loader the
 * platform's (Vulkan) routes are left out, unless DAWNNODE_BACKEND forces
 * another Dawn backend.
 */
function routesFor(requested: boolean, platformBackend: boolean): WebGpuRoute[] {
  const platform: WebGpuRoute[] = platformBackend ? [{ featureLevel: 'core' }] : [];
  if (!requested) return platform;
  if (platformBackend) platform.push({ featureLevel: 'compatibility' });
  if (process.platform === 'linux') platform.push({ dawnBackend: 'opengl', featureLevel: 'compatibility' });
  return platform;
}

/**
 * Tries tfjs's WebGPU backend on Dawn (npm `webgpu`): loads both packages,
 * installs the WebGPU globals, finds an adapter, and starts the backend on
 * it. Under `auto` a software adapter is passed over: it trains correctly
 * but slower than WASM.
 */
export async function tryWebGpu(options: WebGpuAttemptOptions): Promise<BackendAttempt> {
  const env = options.env ?? process.env;
  const platformBackend = env['DAWNNODE_BACKEND'] !== undefined || hasVulkanLoader(env);
  const routes = routesFor(options.requested, platformBackend);
  if (routes.length === 0) {
    return { ok: false, failures: ['webgpu: no Vulkan loader (libvulkan.so.1) here, so no hardware GPU for Dawn'] };
  }
  let dawn: WebGpuPackage;
  let tfjsWebGpu: WebGpuBackendPackage;
  try {
    dawn = options.load(WEBGPU_PACKAGE) as WebGpuPackage;
  } catch (error) {
    const state = isNotInstalled(error, WEBGPU_PACKAGE) ? 'not installed' : 'failed to load';
    return { ok: false, failures: [`webgpu (dawn.node) ${state} (${firstLine(error)})`] };
  }
  try {
    tfjsWebGpu = options.load(WEBGPU_BACKEND_PACKAGE) as WebGpuBackendPackage;
  } catch (error) {
    const state = isNotInstalled(error, WEBGPU_BACKEND_PACKAGE) ? 'not installed' : 'failed to load';
    return { ok: false, failures: [`tfjs-backend-webgpu ${state} (${firstLine(error)})`] };
  }
  installWebGpuGlobals(dawn.globals);

  const failures: string[] = platformBackend ? [] : ['no Vulkan loader (libvulkan.so.1)'];
  let chosen: OpenedAdapter | undefined;
  for (const route of routes) {
    const outcome = await openWebGpuAdapter(dawn, route, options.gpuIndex, options.env);
    if (!outcome.ok) {
      failures.push(outcome.failure);
      continue;
    }
    if (outcome.opened.summary.software && !options.requested) {
      failures.push(`webgpu passed over ${describeAdapter(outcome.opened.summary)}: use --backend webgpu to train on a software GPU`);
      continue;
    }
    chosen = outcome.opened;
    break;
  }
  if (chosen === undefined) {
    return { ok: false, failures: failures.length === 0 ? ['webgpu found no adapter'] : [`webgpu: ${failures.join(', ')}`] };
  }
  let started: boolean;
  try {
    started = await startWebGpuBackend(tfjsWebGpu, chosen);
  } catch (error) {
    return { ok: false, failures: [`webgpu failed to start on ${describeAdapter(chosen.summary)} (${firstLine(error)})`] };
  }
  if (!started) return { ok: false, failures: [`webgpu failed to start on ${describeAdapter(chosen.summary)}`] };
  return {
    ok: true,
    choice: { name: 'webgpu', simd: false, packageName: WEBGPU_BACKEND_PACKAGE, adapter: chosen.summary },
    failures: [],
    detail: `WebGPU on ${describeAdapter(chosen.summary)}${chosen.summary.software ? ' (correct but slow: a CPU runs the shaders)' : ''}`,
  };
}
