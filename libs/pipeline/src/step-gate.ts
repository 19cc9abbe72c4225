import type { StepMetrics } from './metrics-sink';

/**
 * Holds the training loop in lock-step with the rest of the job. In one
 * process every step may start at once; a data-parallel worker waits for
 * the coordinator's go-ahead before each step and reports after it (with a
 * weight checksum every so often), which is where membership changes and
 * shutdowns take effect.
 */
export interface StepGate {
  /** Resolves when `step` may start; resolves to false when training must stop before it. */
  beforeStep(step: number): Promise<boolean>;
  /** Called after every phase of `step` has been applied. */
  afterStep(step: number, metrics: StepMetrics): Promise<void>;
}

export const StepGate = Symbol('StepGate');

/** One process: nothing to wait for. */
export class OpenStepGate implements StepGate {
  async beforeStep(): Promise<boolean> {
    return true;
  }

  async afterStep(): Promise<void> {}
}
