/**
 * Environment variable naming the GPU a worker computes on, as an index into
 * the list of adapters Dawn enumerates for its backend (see
 * listDawnAdapters). `ganglion launch --gpus 0,1` sets it per worker,
 * beside CUDA_VISIBLE_DEVICES for tfjs-node-gpu. Unset: the adapter
 * WebGPU's requestAdapter({ powerPreference: 'high-performance' }) returns.
 */
export const GPU_INDEX_ENV = 'GANGLION_GPU';

/** Reads GANGLION_GPU: undefined when unset or empty, else a whole number ≥ 0. */
export function parseGpuIndex(value: string | number | undefined, source = GPU_INDEX_ENV): number | undefined {
  if (value === undefined || value === '') return undefined;
  const index = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(index) || index < 0) {
    throw new Error(
      `${source} must be one GPU index (0, 1, ...), got '${String(value)}'. ` +
        'Use ganglion launch --gpus 0,1 to start one worker per GPU.',
    );
  }
  return index;
}
