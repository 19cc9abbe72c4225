import { gatherBatch } from './gather-batch';
import type { ImageSet } from './image-set';
import { SYMMETRIC_RANGE, UNIT_RANGE } from './pixel-range';

const set: ImageSet = {
  name: 'tiny',
  count: 3,
  height: 1,
  width: 2,
  channels: 2,
  pixels: Uint8Array.from([0, 255, 51, 102, 10, 20, 30, 40, 255, 0, 0, 255]),
};

describe('gatherBatch', () => {
  it('copies the images at the indices, in order, scaled to [0, 1]', () => {
    const batch = gatherBatch(set, Int32Array.from([2, 0]), UNIT_RANGE);
    expect(batch).toBeInstanceOf(Float32Array);
    expect(Array.from(batch)).toEqual([1, 0, 0, 1, 0, 1, 0.2, 0.4].map(Math.fround));
  });

  it('scales to [-1, 1], repeats indices and reuses an output buffer', () => {
    const out = new Float32Array(12);
    const batch = gatherBatch(set, Int32Array.from([0, 0, 2]), SYMMETRIC_RANGE, out);
    expect(batch).toBe(out);
    expect(Array.from(batch.subarray(0, 4))).toEqual([-1, 1, Math.fround(-0.6), Math.fround(-0.2)]);
    expect(Array.from(batch.subarray(4, 8))).toEqual(Array.from(batch.subarray(0, 4)));
    expect(Array.from(batch.subarray(8))).toEqual([1, -1, -1, 1]);
  });

  it('refuses indices outside the set and a short output buffer', () => {
    expect(() => gatherBatch(set, Int32Array.from([3]), UNIT_RANGE)).toThrow('image index 3 is outside tiny (0..2)');
    expect(() => gatherBatch(set, Int32Array.from([0, 1]), UNIT_RANGE, new Float32Array(4))).toThrow('out holds 4 floats');
  });
});
