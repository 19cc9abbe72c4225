/** Min, median, p90 and max of a set of measurements, and how many there were. */
export interface SummaryStats {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  /** 90th percentile (nearest rank): the tail a training step waits for one time in ten. */
  readonly p90: number;
  /** Number of measurements summarised. */
  readonly count: number;
}

/**
 * Summarises measurements as min / median / max (the median of an even
 * count is the mean of the two middle values). Refuses an empty list and
 * non-finite values, which would otherwise turn into a silent NaN in the
 * report.
 */
export function summaryStats(values: readonly number[]): SummaryStats {
  if (values.length === 0) {
    throw new Error('summaryStats needs at least one measurement; the benchmark recorded none (did every step fail?).');
  }
  const bad = values.find((value) => !Number.isFinite(value));
  if (bad !== undefined) throw new Error(`summaryStats got a non-finite measurement (${bad}); check the timer or the division that made it.`);
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  const p90 = sorted[Math.ceil(0.9 * sorted.length) - 1];
  return { min: sorted[0], median, max: sorted[sorted.length - 1], p90, count: sorted.length };
}
