import type { GpuAdapterSummary } from './gpu-adapter-summary';

/** A tfjs compute backend Ganglion can train on. */
export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

/** What a user may ask for (`--backend`): one backend, or `auto` for the best that loads. */
export type RequestedBackend = BackendName | 'auto';

/**
 * Backends a user may name. `auto` tries them in the order of DESIGN.md:
 * tfjs-node-gpu › webgpu on a hardware GPU › tfjs-node › wasm › cpu (so
 * `tensorflow` is tried twice, its GPU package before webgpu, its CPU one after).
 */
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

/** The backend selectBackend made active, and why; plain data, fit for one log line. */
export interface BackendChoice {
  /** The tfjs backend now active (`tf.getBackend()`). */
  name: BackendName;
  /** Why this one: what was requested, and why each preferred backend was passed over. */
  reason: string;
  /** Whether WASM SIMD is in use (false off WASM). */
  simd: boolean;
  /** Threads the backend computes with, where known (WASM in Node and cpu: 1). */
  threads?: number;
  /** The npm package that provides the backend (`@tensorflow/tfjs-node`, ...). */
  packageName: string;
  /** Kernels Ganglion registered for training on this backend (see registerTrainingKernels). */
  trainingKernels: string[];
  /** On webgpu: the GPU adapter the backend computes on. */
  adapter?: GpuAdapterSummary;
}
