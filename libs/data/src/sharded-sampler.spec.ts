import { ShardedSampler } from './sharded-sampler';
import { splitEvenly } from './split-evenly';

describe('ShardedSampler', () => {
  const options = { datasetSize: 103, globalBatchSize: 10, seed: 42 };

  it('drops the remainder: floor(datasetSize / globalBatchSize) steps per epoch', () => {
    const sampler = new ShardedSampler(options);
    expect(sampler.stepsPerEpoch).toBe(10);
    expect(sampler.position(0)).toEqual({ epoch: 0, batchInEpoch: 0 });
    expect(sampler.position(9)).toEqual({ epoch: 0, batchInEpoch: 9 });
    expect(sampler.position(10)).toEqual({ epoch: 1, batchInEpoch: 0 });
    expect(sampler.position(35)).toEqual({ epoch: 3, batchInEpoch: 5 });
  });

  it('covers each epoch with contiguous runs of one permutation: every index at most once, all but the remainder', () => {
    const sampler = new ShardedSampler(options);
    for (const epoch of [0, 1, 7]) {
      const permutation = sampler.epochPermutation(epoch);
      expect(Array.from(permutation).sort((a, b) => a - b)).toEqual(Array.from({ length: 103 }, (_, i) => i));
      const seen: number[] = [];
      for (let b = 0; b < sampler.stepsPerEpoch; b++) {
        const batch = sampler.globalIndices(epoch * sampler.stepsPerEpoch + b);
        expect(Array.from(batch)).toEqual(Array.from(permutation.subarray(b * 10, b * 10 + 10)));
        seen.push(...batch);
      }
      expect(new Set(seen).size).toBe(100);
    }
  });

  it('is deterministic in the seed, and epochs and seeds differ', () => {
    const a = new ShardedSampler(options);
    const b = new ShardedSampler(options);
    // Visit epochs in another order on b, so the cache cannot make them agree by accident.
    const late = b.globalIndices(57);
    expect(Array.from(b.globalIndices(3))).toEqual(Array.from(a.globalIndices(3)));
    expect(Array.from(a.globalIndices(57))).toEqual(Array.from(late));
    expect(Array.from(a.epochPermutation(0))).not.toEqual(Array.from(a.epochPermutation(1)));
    const other = new ShardedSampler({ ...options, seed: 43 });
    expect(Array.from(other.epochPermutation(0))).not.toEqual(Array.from(a.epochPermutation(0)));
    expect(Array.from(a.epochPermutation(0))).not.toEqual(Array.from({ length: 103 }, (_, i) => i));
  });

  it("splits each global batch into contiguous rank slices whose concatenation is the batch, for 1..5 workers", () => {
    const sampler = new ShardedSampler({ datasetSize: 1000, globalBatchSize: 37, seed: 5 });
    for (let worldSize = 1; worldSize <= 5; worldSize++) {
      const shards = splitEvenly(37, worldSize);
      for (const step of [0, 1, 26, 27, 100]) {
        const slices = shards.map((_, rank) => sampler.localIndices(step, rank, shards));
        expect(slices.map((s) => s.length)).toEqual(shards);
        expect(slices.flatMap((s) => Array.from(s))).toEqual(Array.from(sampler.globalIndices(step)));
      }
    }
  });

  it('accepts any shard sizes that add up, and refuses those that do not', () => {
    const sampler = new ShardedSampler(options);
    const global = Array.from(sampler.globalIndices(4));
    expect(Array.from(sampler.localIndices(4, 1, [7, 0, 3]))).toEqual([]);
    expect(Array.from(sampler.localIndices(4, 2, [7, 0, 3]))).toEqual(global.slice(7));
    expect(() => sampler.localIndices(4, 0, [5, 4])).toThrow('must be non-negative integers adding up to the global batch size 10');
    expect(() => sampler.localIndices(4, 2, [5, 5])).toThrow('rank 2 is outside the world of 2 workers');
  });

  it('returns copies, so callers cannot corrupt the cached permutation', () => {
    const sampler = new ShardedSampler(options);
    const first = sampler.globalIndices(0);
    const expected = Array.from(first);
    first.fill(-1);
    expect(Array.from(sampler.globalIndices(0))).toEqual(expected);
  });

  it('refuses a batch larger than the dataset and bad steps', () => {
    expect(() => new ShardedSampler({ datasetSize: 5, globalBatchSize: 6, seed: 0 })).toThrow('larger than the dataset (5 images)');
    expect(() => new ShardedSampler(options).globalIndices(-1)).toThrow('step must be a non-negative integer, got -1');
    expect(new ShardedSampler(options).getConfig()).toEqual(options);
  });
});
