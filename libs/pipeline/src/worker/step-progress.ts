import type { StatePosition } from '../job-messages/state-message';

/**
 * How far this worker got: the step in progress and how many of its
 * phases were reduced and applied. The StepGate starts steps, the
 * synchronizer marks phases; after a membership change interrupted a
 * step, rank 0 reports position() in its STATE so every rank continues
 * from exactly there (a GAN may have applied D but not G).
 */
export class StepProgress {
  private step = 0;
  private phasesDone = 0;

  /** Training (re)starts at `position` (a received state, or the WELCOME's step). */
  resumeAt(position: StatePosition): void {
    this.step = position.step;
    this.phasesDone = position.phase;
  }

  /** Step `step` starts (or, when resumed mid-step, continues). */
  beginStep(step: number): void {
    if (step !== this.step) this.phasesDone = 0;
    this.step = step;
  }

  /** Phase `phaseIndex` of `step` was reduced; the Trainer applies it before its next await. */
  phaseReduced(step: number, phaseIndex: number): void {
    this.step = step;
    this.phasesDone = phaseIndex + 1;
  }

  /** Where this worker's weights and optimizer stand, for a model of `phaseCount` phases. */
  position(phaseCount: number): StatePosition {
    return this.phasesDone >= phaseCount ? { step: this.step + 1, phase: 0 } : { step: this.step, phase: this.phasesDone };
  }
}
