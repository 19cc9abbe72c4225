import { inject, injectable } from 'inversify';
import { MetricsSink, type StepMetrics } from '../metrics-sink';
import type { TrainingListener, TrainingRun } from '../training-listener';

/** Writes every step's metrics line to the bound MetricsSink (rebinding MetricsSink changes where they go). */
@injectable()
export class MetricsListener implements TrainingListener {
  constructor(@inject(MetricsSink) private readonly sink: MetricsSink) {}

  onStepEnd(_run: TrainingRun, metrics: StepMetrics): void {
    this.sink.write(metrics);
  }
}
