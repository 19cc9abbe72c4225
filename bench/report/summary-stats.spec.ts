import { summaryStats } from './summary-stats';

describe('summaryStats', () => {
  it('gives min, median and max of an odd count, whatever the order', () => {
    expect(summaryStats([9, 1, 5, 3, 7])).toEqual({ min: 1, median: 5, max: 9, p90: 9, count: 5 });
  });

  it('takes the mean of the two middle values for an even count', () => {
    expect(summaryStats([4, 1, 10, 2])).toEqual({ min: 1, median: 3, max: 10, p90: 10, count: 4 });
  });

  it('summarises a single value as itself', () => {
    expect(summaryStats([2.5])).toEqual({ min: 2.5, median: 2.5, max: 2.5, p90: 2.5, count: 1 });
  });

  it('p90 is the nearest-rank 90th percentile', () => {
    const tenToHundred = Array.from({ length: 10 }, (_, i) => (10 - i) * 10);
    expect(summaryStats(tenToHundred).p90).toBe(90);
    expect(summaryStats([...tenToHundred, 110]).p90).toBe(100);
  });

  it('does not reorder the caller’s array', () => {
    const values = [3, 1, 2];
    summaryStats(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('refuses no values and non-finite values', () => {
    expect(() => summaryStats([])).toThrow(/at least one measurement/);
    expect(() => summaryStats([1, Number.NaN])).toThrow(/non-finite/);
    expect(() => summaryStats([1, Number.POSITIVE_INFINITY])).toThrow(/non-finite/);
  });
});
