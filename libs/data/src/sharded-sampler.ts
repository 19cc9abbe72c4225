import type { BatchSampler } from './batch-sampler';
import { CounterRandom } from './counter-random';

/** Keeps the shuffle streams apart from other users of the same seed. */
const SHUFFLE_DOMAIN = 0x53485546; // 'SHUF'

export interface ShardedSamplerOptions {
  /** Number of images in the dataset. */
  datasetSize: number;
  /** Images per step summed over all workers; fixed whatever the world size. */
  globalBatchSize: number;
  /** Seed of the per-epoch permutations. */
  seed: number;
}

/** Where a step falls in the run of epochs. */
export interface SamplerPosition {
  readonly epoch: number;
  /** 0-based index of the step's batch within its epoch. */
  readonly batchInEpoch: number;
}

/**
 * Decides which images every step trains on, independently of the number
 * of workers (DESIGN "World-size invariance"). Epoch e is a permutation of
 * the dataset drawn by Fisher-Yates from a counter-based stream keyed by e,
 * so any process computes it alone. Each epoch has
 * `floor(datasetSize / globalBatchSize)` steps (the remainder is dropped);
 * step s takes the next contiguous run of its epoch's permutation, and rank
 * r takes the r-th contiguous slice of that run.
 */
export class ShardedSampler implements BatchSampler {
  readonly stepsPerEpoch: number;
  private readonly random: CounterRandom;
  private cachedEpoch = -1;
  private cachedPermutation = new Int32Array(0);

  constructor(private readonly options: ShardedSamplerOptions) {
    const { datasetSize, globalBatchSize, seed } = options;
    if (!Number.isInteger(datasetSize) || datasetSize < 1) {
      throw new Error(`datasetSize must be a positive integer, got ${datasetSize}.`);
    }
    if (!Number.isInteger(globalBatchSize) || globalBatchSize < 1) {
      throw new Error(`globalBatchSize must be a positive integer, got ${globalBatchSize}.`);
    }
    if (globalBatchSize > datasetSize) {
      throw new Error(
        `globalBatchSize ${globalBatchSize} is larger than the dataset (${datasetSize} images): ` +
          'an epoch would have no step. Lower the batch size or use a larger dataset.',
      );
    }
    if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}.`);
    this.stepsPerEpoch = Math.floor(datasetSize / globalBatchSize);
    this.random = new CounterRandom(seed);
  }

  /** Epoch and batch-within-epoch of a global step (0-based). */
  position(step: number): SamplerPosition {
    if (!Number.isInteger(step) || step < 0) throw new Error(`step must be a non-negative integer, got ${step}.`);
    return { epoch: Math.floor(step / this.stepsPerEpoch), batchInEpoch: step % this.stepsPerEpoch };
  }

  /** The dataset indices of the whole global batch of `step`. */
  globalIndices(step: number): Int32Array {
    const { epoch, batchInEpoch } = this.position(step);
    const start = batchInEpoch * this.options.globalBatchSize;
    return this.permutation(epoch).slice(start, start + this.options.globalBatchSize);
  }

  /**
   * The indices rank `rank` trains on at `step`: its contiguous slice of the
   * global batch, with `shardSizes[r]` samples for rank r (they must add up
   * to the global batch size; see `splitEvenly`).
   */
  localIndices(step: number, rank: number, shardSizes: readonly number[]): Int32Array {
    const total = shardSizes.reduce((sum, size) => sum + size, 0);
    if (total !== this.options.globalBatchSize || shardSizes.some((size) => !Number.isInteger(size) || size < 0)) {
      throw new Error(
        `shardSizes [${shardSizes.join(', ')}] must be non-negative integers adding up to the global batch size ` +
          `${this.options.globalBatchSize}. Use splitEvenly(globalBatchSize, worldSize).`,
      );
    }
    if (!Number.isInteger(rank) || rank < 0 || rank >= shardSizes.length) {
      throw new Error(`rank ${rank} is outside the world of ${shardSizes.length} workers.`);
    }
    let start = 0;
    for (let r = 0; r < rank; r++) start += shardSizes[r];
    return this.globalIndices(step).slice(start, start + shardSizes[rank]);
  }

  /** Epoch `epoch`'s permutation of 0..datasetSize-1 (a copy). */
  epochPermutation(epoch: number): Int32Array {
    if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`epoch must be a non-negative integer, got ${epoch}.`);
    return this.permutation(epoch).slice();
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  /** Fisher-Yates from the stream keyed by the epoch; the last one is cached. */
  private permutation(epoch: number): Int32Array {
    if (epoch === this.cachedEpoch) return this.cachedPermutation;
    const n = this.options.datasetSize;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const stream = this.random.stream(SHUFFLE_DOMAIN, epoch);
    for (let i = n - 1; i > 0; i--) {
      const j = stream.nextInt(i + 1);
      const swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    this.cachedEpoch = epoch;
    this.cachedPermutation = order;
    return order;
  }
}
