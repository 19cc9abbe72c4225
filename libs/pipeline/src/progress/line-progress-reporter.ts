import type { StepMetrics } from '../metrics-sink';
import { formatLosses, type ProgressReporter } from './progress-reporter';
import { meanLosses, median, roundToTenth } from '../step-statistics';

/** What a progress line says after `N ms/step`, as log fields and as text. */
export interface ProgressDetail {
  readonly fields: Record<string, unknown>;
  /** Appended to the line, e.g. `, 2666.7 samples/s`. */
  readonly text: string;
}

export interface LineProgressReporterOptions {
  /** Print a line every this many steps, and after the last step. */
  readonly logEvery: number;
  /** Where a line goes, e.g. `(fields, text) => logger.info(fields, text)`. */
  readonly write: (fields: Record<string, unknown>, text: string) => void;
  /** The rest of a line, from the steps since the previous one; default their mean samples/s. */
  readonly detail?: (recent: readonly StepMetrics[]) => ProgressDetail;
}

/**
 * Plain progress for logs that are not a terminal, the one line format of
 * `train`, the workers and the coordinator: every `logEvery` steps,
 * `step 40/200 loss d=0.6931 g=0.7012 12 ms/step, 2666.7 samples/s`, with
 * losses averaged and the step time the median over the steps since the
 * previous line.
 */
export class LineProgressReporter implements ProgressReporter {
  private totalSteps = 0;
  private readonly recent: StepMetrics[] = [];

  constructor(private readonly options: LineProgressReporterOptions) {
    if (!Number.isInteger(options.logEvery) || options.logEvery < 1) {
      throw new RangeError(`logEvery must be a positive integer, got ${options.logEvery}.`);
    }
  }

  start(totalSteps: number, _startStep = 0): void {
    this.totalSteps = totalSteps;
    this.recent.length = 0;
  }

  update(metrics: StepMetrics): void {
    this.recent.push(metrics);
    if (this.recent.length > this.options.logEvery) this.recent.shift();
    const done = metrics.step + 1;
    if (done % this.options.logEvery !== 0 && done !== this.totalSteps) return;
    const losses = meanLosses(this.recent);
    const stepMs = median(this.recent.map((m) => m.stepMs));
    const detail = (this.options.detail ?? samplesPerSecondDetail)(this.recent);
    this.options.write(
      { step: done, steps: this.totalSteps, losses, stepMs: roundToTenth(stepMs), ...detail.fields },
      `step ${done}/${this.totalSteps} loss ${formatLosses(losses)} ${stepMs.toFixed(0)} ms/step${detail.text}`,
    );
  }

  stop(): void {
    this.recent.length = 0;
  }
}

/** The default detail: mean samples/s over the recent steps. */
function samplesPerSecondDetail(recent: readonly StepMetrics[]): ProgressDetail {
  const samplesPerSecond = recent.reduce((sum, m) => sum + m.samplesPerSecond, 0) / Math.max(1, recent.length);
  return { fields: { samplesPerSecond: roundToTenth(samplesPerSecond) }, text: `, ${samplesPerSecond.toFixed(1)} samples/s` };
}
