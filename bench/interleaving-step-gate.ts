import type { StepGate } from '@ganglion/pipeline';

/**
 * A StepGate that measures the Trainer from the outside and runs other
 * work between its steps. Before each Trainer step it closes the timing
 * of the previous one (trainStep, metrics line, logging: everything the
 * loop does per step) and calls `between(step)`, so a bare step and a
 * Trainer step alternate in one process and share its noise.
 */
export class InterleavingStepGate implements StepGate {
  /** Wall time of each Trainer iteration, in ms, in step order. */
  readonly trainerMs: number[] = [];
  private started: number | undefined;

  constructor(private readonly between: (step: number) => void) {}

  async beforeStep(step: number): Promise<boolean> {
    this.finishTrainerStep();
    this.between(step);
    this.started = performance.now();
    return true;
  }

  async afterStep(): Promise<void> {}

  /** Closes the timing of the Trainer step in flight; call once more after Trainer.run returns. */
  finishTrainerStep(): void {
    if (this.started !== undefined) this.trainerMs.push(performance.now() - this.started);
    this.started = undefined;
  }
}
