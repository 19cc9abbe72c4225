import type { StepMetrics } from './metrics-sink';

/** Mean loss of each phase over some steps. */
export function meanLosses(metrics: readonly StepMetrics[]): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const m of metrics) for (const [phase, loss] of Object.entries(m.losses)) sums[phase] = (sums[phase] ?? 0) + loss;
  return Object.fromEntries(Object.entries(sums).map(([phase, sum]) => [phase, sum / metrics.length]));
}

/** Median of `values`; 0 for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Rounds to one decimal, for log fields. */
export function roundToTenth(value: number): number {
  return Math.round(value * 10) / 10;
}
