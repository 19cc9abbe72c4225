import type { StepMetrics } from '../metrics-sink';

/** DI token for the ProgressReporter of a run that trains in this process (`ganglion train`). */
export const ProgressReporter = Symbol('ProgressReporter');

/**
 * Shows a run's progress to a person: a live bar on a terminal, or a plain
 * line every few steps in CI logs. The training loop calls `start` once,
 * `update` after every step and `stop` at the end (also on failure).
 */
export interface ProgressReporter {
  /** The run trains steps `startStep`..`totalSteps - 1`. */
  start(totalSteps: number, startStep: number): void;
  /** One step finished; `metrics.step` is its 0-based index. */
  update(metrics: StepMetrics): void;
  /** The run ended; leaves the terminal on a fresh line. */
  stop(): void;
}

/** How progress is shown: `auto` picks `bar` on a TTY and `lines` elsewhere. */
export type ProgressMode = 'auto' | 'bar' | 'lines';

/** How formatLosses joins a phase to its loss and the phases to each other. */
export interface LossFormat {
  /** Between a phase and its loss; default `=`. */
  readonly assign?: string;
  /** Between phases; default a space. */
  readonly separator?: string;
}

/**
 * The one loss formatter: losses by phase with 4 decimals, `d=0.6931
 * g=0.6931` in progress lines, `d 0.6931, g 0.6931` (assign ' ',
 * separator ', ') in the summaries a command prints at the end.
 */
export function formatLosses(losses: Readonly<Record<string, number>>, format: LossFormat = {}): string {
  const { assign = '=', separator = ' ' } = format;
  return Object.entries(losses)
    .map(([phase, loss]) => `${phase}${assign}${loss.toFixed(4)}`)
    .join(separator);
}
