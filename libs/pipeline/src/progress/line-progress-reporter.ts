import type { StepMetrics } from '../metrics-sink';
import { formatLosses, type ProgressReporter } from './progress-reporter';
import { meanLosses, roundToTenth } from '../step-statistics';

export interface LineProgressReporterOptions {
  /** Print a line every this many steps, and after the last step. */
  readonly logEvery: number;
  /** Where a line goes, e.g. `(fields, text) => logger.info(fields, text)`. */
  readonly write: (fields: Record<string, unknown>, text: string) => void;
}

/**
 * Plain progress for logs that are not a terminal: every `logEvery` steps,
 * `step 40/200 loss d=0.6931 g=0.7012 12 ms/step, 2666.7 samples/s`, with
 * losses and times averaged over the steps since the previous line.
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
    const stepMs = mean(this.recent.map((m) => m.stepMs));
    const samplesPerSecond = mean(this.recent.map((m) => m.samplesPerSecond));
    this.options.write(
      { step: done, steps: this.totalSteps, losses, stepMs: roundToTenth(stepMs), samplesPerSecond: roundToTenth(samplesPerSecond) },
      `step ${done}/${this.totalSteps} loss ${formatLosses(losses)} ${stepMs.toFixed(0)} ms/step, ${samplesPerSecond.toFixed(1)} samples/s`,
    );
  }

  stop(): void {
    this.recent.length = 0;
  }
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}
