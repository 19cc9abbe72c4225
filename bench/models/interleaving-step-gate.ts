import type { StepGate } from '@ganglion/pipeline';
import { startStopwatch, type StepTime } from '../harness/stopwatch';

/**
 * A StepGate that measures the Trainer from the outside and runs other
 * work between its steps. Before each Trainer step it closes the timing
 * of the previous one (trainStep, metrics line, logging: everything the
 * loop does per step) and calls `between(step)`, so a bare step and a
 * Trainer step alternate in one process and share its noise.
 */
export class InterleavingStepGate implements StepGate {
  /** Wall and CPU time of each Trainer iteration, in step order. */
  readonly trainerTimes: StepTime[] = [];
  private stop: (() => StepTime) | undefined;

  constructor(private readonly between: (step: number) => Promise<void>) {}

  async beforeStep(step: number): Promise<boolean> {
    this.finishTrainerStep();
    await this.between(step);
    this.stop = startStopwatch();
    return true;
  }

  async afterStep(): Promise<void> {}

  /** Closes the timing of the Trainer step in flight; call once more after Trainer.run returns. */
  finishTrainerStep(): void {
    if (this.stop !== undefined) this.trainerTimes.push(this.stop());
    this.stop = undefined;
  }
}
