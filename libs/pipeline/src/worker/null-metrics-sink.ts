import type { MetricsSink, StepMetrics } from '../metrics-sink';

/** Drops metrics: a data-parallel worker reports them to the coordinator, which writes metrics.jsonl. */
export class NullMetricsSink implements MetricsSink {
  write(_metrics: StepMetrics): void {}

  close(): void {}
}
