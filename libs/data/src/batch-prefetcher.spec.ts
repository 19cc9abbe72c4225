import type { BatchSampler } from './batch-sampler';
import { BatchPrefetcher } from './batch-prefetcher';
import type { ImageSet } from './image-set';
import { ShardedSampler } from './sharded-sampler';

const UNIT: [number, number] = [0, 1];

/** 40 images of 2x2x1 whose pixels are all their own index. */
function indexedImages(): ImageSet {
  const pixels = new Uint8Array(40 * 4);
  for (let i = 0; i < 40; i++) pixels.fill(i, i * 4, i * 4 + 4);
  return { name: 'indexed', count: 40, height: 2, width: 2, channels: 1, pixels };
}

/** A sampler that counts the calls made to it. */
function countingSampler(): BatchSampler & { calls: number } {
  const inner = new ShardedSampler({ datasetSize: 40, globalBatchSize: 8, seed: 3 });
  const sampler = {
    calls: 0,
    localIndices(step: number, rank: number, shardSizes: readonly number[]) {
      sampler.calls += 1;
      return inner.localIndices(step, rank, shardSizes);
    },
    globalIndices: (step: number) => inner.globalIndices(step),
    position: (step: number) => inner.position(step),
  };
  return sampler;
}

const idle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('BatchPrefetcher', () => {
  it('gathers the same batch with or without a prefetch', async () => {
    const images = indexedImages();
    const reference = new ShardedSampler({ datasetSize: 40, globalBatchSize: 8, seed: 3 });
    const prefetcher = new BatchPrefetcher(images, countingSampler(), UNIT);
    const key = { step: 2, rank: 1, shardSizes: [4, 4] };
    const direct = prefetcher.take(key);
    prefetcher.prefetch(key);
    await idle();
    const prefetched = prefetcher.take(key);
    expect(Array.from(prefetched.sampleIndices)).toEqual(Array.from(reference.localIndices(2, 1, [4, 4])));
    expect(prefetched.sampleIndices).toEqual(direct.sampleIndices);
    expect(prefetched.images).toEqual(direct.images);
    // Pixel value = image index / 255: the right images, in order.
    expect(Array.from(prefetched.images.filter((_, i) => i % 4 === 0)).map((v) => Math.round(v * 255))).toEqual(
      Array.from(prefetched.sampleIndices),
    );
  });

  it('uses a prefetched batch only for the key it was gathered for', async () => {
    const sampler = countingSampler();
    const prefetcher = new BatchPrefetcher(indexedImages(), sampler, UNIT);
    prefetcher.prefetch({ step: 3, rank: 0, shardSizes: [4, 4] });
    await idle();
    expect(sampler.calls).toBe(1);
    prefetcher.take({ step: 3, rank: 0, shardSizes: [4, 4] });
    expect(sampler.calls).toBe(1); // served from the prefetch
    prefetcher.prefetch({ step: 4, rank: 0, shardSizes: [4, 4] });
    await idle();
    // The membership changed (3 ranks now): gathered again for the new key.
    const batch = prefetcher.take({ step: 4, rank: 0, shardSizes: [3, 3, 2] });
    expect(sampler.calls).toBe(3);
    expect(batch.sampleIndices.length).toBe(3);
  });

  it('cancels a prefetch that has not run when the batch is taken first', async () => {
    const sampler = countingSampler();
    const prefetcher = new BatchPrefetcher(indexedImages(), sampler, UNIT);
    prefetcher.prefetch({ step: 1, rank: 0, shardSizes: [8] });
    prefetcher.take({ step: 1, rank: 0, shardSizes: [8] }); // before the event loop was idle
    await idle();
    expect(sampler.calls).toBe(1);
    prefetcher.prefetch({ step: 2, rank: 0, shardSizes: [8] });
    prefetcher.clear();
    await idle();
    expect(sampler.calls).toBe(1);
  });
});
