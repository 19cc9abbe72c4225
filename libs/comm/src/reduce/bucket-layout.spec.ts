import { bucketLayout, chunkSlice } from './bucket-layout';
import { foldWeightedMean, weightedMeanOf } from './weighted-mean';

describe('bucketLayout', () => {
  it('cuts a vector into buckets of at most bucketBytes of float32', () => {
    expect(bucketLayout(0, 16)).toEqual([]);
    expect(bucketLayout(10, 16)).toEqual([
      { offset: 0, length: 4 },
      { offset: 4, length: 4 },
      { offset: 8, length: 2 },
    ]);
    const fourMb = bucketLayout(1_048_576 + 13, 4 * 1024 * 1024);
    expect(fourMb).toEqual([
      { offset: 0, length: 1_048_576 },
      { offset: 1_048_576, length: 13 },
    ]);
  });

  it('splits a bucket into near-equal chunks covering it exactly, empty ones allowed', () => {
    for (const [length, parts] of [[10, 3], [2, 5], [1237, 4], [0, 2]]) {
      const chunks = Array.from({ length: parts }, (_, i) => chunkSlice(length, parts, i));
      expect(chunks.reduce((sum, c) => sum + c.length, 0)).toBe(length);
      chunks.forEach((c, i) => i > 0 && expect(c.offset).toBe(chunks[i - 1].offset + chunks[i - 1].length));
      const sizes = chunks.map((c) => c.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });
});

describe('weighted means', () => {
  it('folds a running mean, skipping zero weights', () => {
    const mean = Float32Array.of(NaN, NaN);
    expect(foldWeightedMean(mean, 0, Float32Array.of(2, 4), 2)).toBe(2);
    expect(Array.from(mean)).toEqual([2, 4]);
    expect(foldWeightedMean(mean, 2, Float32Array.of(NaN, NaN), 0)).toBe(2);
    expect(foldWeightedMean(mean, 2, Float32Array.of(8, 10), 1)).toBe(3);
    expect(Array.from(mean)).toEqual([4, 6]);
    expect(() => foldWeightedMean(mean, 1, new Float32Array(3), 1)).toThrow(RangeError);
  });

  it('computes the weighted mean in rank order, zeros without weight', () => {
    expect(Array.from(weightedMeanOf([{ values: Float32Array.of(1), weight: 1 }, { values: Float32Array.of(4), weight: 2 }], 1))).toEqual([3]);
    expect(Array.from(weightedMeanOf([{ values: Float32Array.of(NaN), weight: 0 }], 1))).toEqual([0]);
  });
});
