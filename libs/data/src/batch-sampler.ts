import type { SamplerPosition, ShardedSamplerOptions } from './sharded-sampler';

/** Decides which dataset indices each step, and each rank's slice of it, trains on. */
export interface BatchSampler {
  /** The whole global batch of `step`. */
  globalIndices(step: number): Int32Array;
  /** Rank `rank`'s contiguous slice of step `step`'s global batch, given every rank's slice size. */
  localIndices(step: number, rank: number, shardSizes: readonly number[]): Int32Array;
  /** Epoch and batch within the epoch of `step`. */
  position(step: number): SamplerPosition;
}

/** Makes the run's sampler; rebind it to change how batches are drawn. */
export type SamplerFactory = (options: ShardedSamplerOptions) => BatchSampler;

/** DI token for the SamplerFactory. */
export const SamplerFactory = Symbol('SamplerFactory');
