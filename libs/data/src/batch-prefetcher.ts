import type { BatchSampler } from './batch-sampler';
import { gatherBatch } from './gather-batch';
import type { ImageSet } from './image-set';
import type { PixelRange } from './pixel-range';

/** One rank's slice of a step's global batch, gathered and scaled. */
export interface LocalBatch {
  /** NHWC pixels in the pixel range, `sampleIndices.length` images. */
  readonly images: Float32Array;
  /** Global sample index of each image. */
  readonly sampleIndices: Int32Array;
}

/** Which local batch: the step, this rank, and every rank's share of the global batch. */
export interface LocalBatchKey {
  readonly step: number;
  readonly rank: number;
  readonly shardSizes: readonly number[];
}

/**
 * Gathers a rank's local batch, and can gather the next one ahead of time:
 * `prefetch(key)` schedules the work with setImmediate, so it runs while
 * the training loop waits on I/O (the gradient allreduce of a data-parallel
 * step) and never delays a step that is computing. `take(key)` returns the
 * prefetched batch when it was gathered for exactly that key (step, rank
 * and shard sizes: a membership change between steps invalidates it) and
 * gathers it now otherwise, so results never depend on timing. The epoch's
 * permutation is computed inside the sampler on the first step of an epoch,
 * which prefetching also moves off the critical path.
 */
export class BatchPrefetcher {
  private pending: { key: string; timer: NodeJS.Immediate } | undefined;
  private ready: { key: string; batch: LocalBatch } | undefined;

  constructor(
    private readonly images: ImageSet,
    /** Where the indices come from (one sampler per run). */
    readonly sampler: BatchSampler,
    private readonly range: PixelRange,
  ) {}

  /** The local batch of `key`: the prefetched one when it matches, else gathered now. */
  take(key: LocalBatchKey): LocalBatch {
    const id = keyOf(key);
    this.cancelPending();
    const ready = this.ready;
    this.ready = undefined;
    return ready !== undefined && ready.key === id ? ready.batch : this.gather(key);
  }

  /** Gathers the batch of `key` at the next idle turn of the event loop (replacing an earlier prefetch). */
  prefetch(key: LocalBatchKey): void {
    const id = keyOf(key);
    this.cancelPending();
    if (this.ready?.key === id) return;
    const copy: LocalBatchKey = { step: key.step, rank: key.rank, shardSizes: [...key.shardSizes] };
    const timer = setImmediate(() => {
      this.pending = undefined;
      this.ready = { key: id, batch: this.gather(copy) };
    });
    this.pending = { key: id, timer };
  }

  /** Drops any scheduled or finished prefetch. */
  clear(): void {
    this.cancelPending();
    this.ready = undefined;
  }

  private cancelPending(): void {
    if (this.pending !== undefined) clearImmediate(this.pending.timer);
    this.pending = undefined;
  }

  private gather({ step, rank, shardSizes }: LocalBatchKey): LocalBatch {
    const sampleIndices = this.sampler.localIndices(step, rank, shardSizes);
    return { images: gatherBatch(this.images, sampleIndices, this.range), sampleIndices };
  }
}

function keyOf({ step, rank, shardSizes }: LocalBatchKey): string {
  return `${step}/${rank}/${shardSizes.join(',')}`;
}
