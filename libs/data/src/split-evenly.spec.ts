import { splitEvenly } from './split-evenly';

describe('splitEvenly', () => {
  it('gives the extra samples to the first ranks', () => {
    expect(splitEvenly(10, 3)).toEqual([4, 3, 3]);
    expect(splitEvenly(11, 3)).toEqual([4, 4, 3]);
    expect(splitEvenly(8, 4)).toEqual([2, 2, 2, 2]);
    expect(splitEvenly(5, 1)).toEqual([5]);
  });

  it('refuses a batch smaller than the world and a bad world size', () => {
    expect(() => splitEvenly(3, 5)).toThrow('A global batch of 3 cannot be split over 5 workers');
    expect(() => splitEvenly(3, 0)).toThrow('worldSize must be a positive integer, got 0');
  });
});
