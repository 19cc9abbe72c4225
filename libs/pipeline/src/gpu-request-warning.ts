import type { BackendChoice } from '@ganglion/models';

/**
 * A loud warning when this process was given a GPU (CUDA_VISIBLE_DEVICES
 * or GANGLION_GPU, as `launch --gpus` sets them) but the backend it chose
 * does not compute on a hardware GPU (wasm, cpu, tfjs-node without CUDA,
 * webgpu on a software adapter): says which backend runs instead and why.
 * Undefined when no GPU was asked for or one is in use.
 */
export function gpuRequestWarning(env: NodeJS.ProcessEnv, backend: Pick<BackendChoice, 'name' | 'packageName' | 'reason' | 'adapter'>): string | undefined {
  const requested = [env.CUDA_VISIBLE_DEVICES, env.GANGLION_GPU].find((value) => value !== undefined && value.trim() !== '');
  if (requested === undefined) return undefined;
  if (backend.packageName === '@tensorflow/tfjs-node-gpu') return undefined;
  if (backend.adapter !== undefined && !backend.adapter.software) return undefined;
  const where = backend.adapter !== undefined ? `${backend.name} on a software GPU (${backend.adapter.description || backend.adapter.device})` : `${backend.name} (${backend.packageName})`;
  return (
    `NO GPU BACKEND: this worker was given GPU ${requested} (e.g. by launch --gpus) but trains on ${where}, ` +
    `not on a GPU: ${backend.reason}. Install @tensorflow/tfjs-node-gpu with CUDA (or a Vulkan/Metal driver for webgpu) where it can load, or drop --gpus and use --workers.`
  );
}
