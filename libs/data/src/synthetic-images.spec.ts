import { SyntheticDataset } from './synthetic-dataset';
import { syntheticImages } from './synthetic-images';

describe('syntheticImages', () => {
  it('is a pure function of the seed, and image i does not depend on count', () => {
    const a = syntheticImages({ count: 20, height: 12, width: 10, channels: 3, seed: 7 });
    const b = syntheticImages({ count: 20, height: 12, width: 10, channels: 3, seed: 7 });
    const longer = syntheticImages({ count: 30, height: 12, width: 10, channels: 3, seed: 7 });
    const other = syntheticImages({ count: 20, height: 12, width: 10, channels: 3, seed: 8 });
    expect(a).toMatchObject({ count: 20, height: 12, width: 10, channels: 3 });
    expect(a.pixels.length).toBe(20 * 12 * 10 * 3);
    expect(b.pixels).toEqual(a.pixels);
    expect(longer.pixels.subarray(0, a.pixels.length)).toEqual(a.pixels);
    expect(other.pixels).not.toEqual(a.pixels);
  });

  it('draws class-dependent structure: bars along rows or columns, not noise', () => {
    const set = syntheticImages({ count: 200, height: 16, width: 16, channels: 1, seed: 1, classes: 4 });
    const seen = new Set(set.labels);
    expect(seen).toEqual(new Set([0, 1, 2, 3]));
    // Horizontal bars (class 0) vary much more down the columns than along the rows; vertical bars (1) the reverse.
    const spread = (image: number, alongRows: boolean) => {
      let total = 0;
      for (let a = 0; a < 16; a++) {
        const values: number[] = [];
        for (let b = 0; b < 16; b++) values.push(set.pixels[image * 256 + (alongRows ? a * 16 + b : b * 16 + a)]);
        total += Math.max(...values) - Math.min(...values);
      }
      return total / 16;
    };
    for (let i = 0; i < set.count; i++) {
      if (set.labels![i] === 0) expect(spread(i, false)).toBeGreaterThan(3 * spread(i, true));
      if (set.labels![i] === 1) expect(spread(i, true)).toBeGreaterThan(3 * spread(i, false));
    }
    expect(Math.max(...set.pixels)).toBeGreaterThan(200);
  });

  it('refuses impossible shapes', () => {
    expect(() => syntheticImages({ count: 0, height: 4, width: 4, channels: 1, seed: 0 })).toThrow('count must be a positive integer, got 0');
  });
});

describe('SyntheticDataset', () => {
  it('has defaults, returns them as config and loads what it says', async () => {
    const dataset = new SyntheticDataset({ count: 8, channels: 3 });
    expect(dataset.getConfig()).toEqual({ count: 8, height: 28, width: 28, channels: 3, seed: 0, classes: 4 });
    const set = await dataset.load();
    expect(set).toMatchObject({ name: 'synthetic-28x28x3', count: 8, height: 28, width: 28, channels: 3 });
  });
});
