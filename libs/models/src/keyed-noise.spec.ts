import { initializerSeed, samplingNormals, trainingNormals } from './keyed-noise';

describe('keyed noise', () => {
  it('gives each global sample index its own noise whatever batch it sits in', () => {
    const whole = trainingNormals(1, 5, 0, [7, 3, 9, 4], 6);
    const firstHalf = trainingNormals(1, 5, 0, [7, 3], 6);
    const secondHalf = trainingNormals(1, 5, 0, [9, 4], 6);
    expect(Array.from(whole)).toEqual([...firstHalf, ...secondHalf]);
    const reordered = trainingNormals(1, 5, 0, [9, 7], 6);
    expect(Array.from(reordered.subarray(6))).toEqual(Array.from(whole.subarray(0, 6)));
  });

  it('changes with the seed, the step and the phase', () => {
    const base = Array.from(trainingNormals(1, 5, 0, [7], 4));
    expect(Array.from(trainingNormals(2, 5, 0, [7], 4))).not.toEqual(base);
    expect(Array.from(trainingNormals(1, 6, 0, [7], 4))).not.toEqual(base);
    expect(Array.from(trainingNormals(1, 5, 1, [7], 4))).not.toEqual(base);
  });

  it('looks standard normal', () => {
    const values = trainingNormals(3, 0, 0, Array.from({ length: 100 }, (_, i) => i), 100);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('keeps sampling noise apart from training noise and repeatable in the seed', () => {
    expect(Array.from(samplingNormals(4, 2, 3))).toEqual(Array.from(samplingNormals(4, 2, 3)));
    expect(Array.from(samplingNormals(4, 1, 3))).not.toEqual(Array.from(trainingNormals(4, 0, 0, [0], 3)));
    expect(initializerSeed(4, 0)).not.toBe(initializerSeed(4, 1));
    expect(initializerSeed(4, 0)).toBe(initializerSeed(4, 0));
  });
});
