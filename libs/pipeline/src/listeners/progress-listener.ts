import { inject, injectable } from 'inversify';
import type { StepMetrics } from '../metrics-sink';
import { ProgressReporter } from '../progress/progress-reporter';
import type { TrainingListener, TrainingRun } from '../training-listener';

/** Drives the bound ProgressReporter: start, an update every step, stop (also on failure). */
@injectable()
export class ProgressListener implements TrainingListener {
  constructor(@inject(ProgressReporter) private readonly progress: ProgressReporter) {}

  onTrainStart(run: TrainingRun): void {
    this.progress.start(run.totalSteps, run.startStep);
  }

  onStepEnd(_run: TrainingRun, metrics: StepMetrics): void {
    this.progress.update(metrics);
  }

  onTrainEnd(): void {
    this.progress.stop();
  }
}
