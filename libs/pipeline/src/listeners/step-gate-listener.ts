import { inject, injectable } from 'inversify';
import type { StepMetrics } from '../metrics-sink';
import { StepGate } from '../step-gate';
import type { TrainingListener, TrainingRun } from '../training-listener';

/** Holds the loop to the bound StepGate: asks it before each step, reports to it after. */
@injectable()
export class StepGateListener implements TrainingListener {
  constructor(@inject(StepGate) private readonly gate: StepGate) {}

  onStepStart(_run: TrainingRun, step: number): Promise<boolean> {
    return this.gate.beforeStep(step);
  }

  async onStepEnd(_run: TrainingRun, metrics: StepMetrics): Promise<void> {
    await this.gate.afterStep(metrics.step, metrics);
  }
}
