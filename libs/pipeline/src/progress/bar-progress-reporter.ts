import { SingleBar } from 'cli-progress';
import type { StepMetrics } from '../metrics-sink';
import { formatLosses, type ProgressReporter } from './progress-reporter';

export interface BarProgressReporterOptions {
  /** The terminal the bar is drawn on. Default process.stderr (stdout stays for log lines). */
  readonly stream?: NodeJS.WritableStream;
  /** Redraws per second at most. Default 10. */
  readonly fps?: number;
}

/**
 * A live progress bar for a terminal (cli-progress): step/steps, samples/s,
 * ETA and the latest loss of each phase. It draws on stderr by default so
 * that log lines on stdout and the bar do not share a stream; a log line
 * printed while the bar is up lands above the next redraw.
 */
export class BarProgressReporter implements ProgressReporter {
  private readonly bar: SingleBar;
  private running = false;

  constructor(options: BarProgressReporterOptions = {}) {
    this.bar = new SingleBar({
      stream: options.stream ?? process.stderr,
      fps: options.fps ?? 10,
      format: 'step {value}/{total} [{bar}] {percentage}% | {samplesPerSecond} samples/s | ETA {eta_formatted} | {losses}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      etaBuffer: 20,
    });
  }

  start(totalSteps: number, startStep: number): void {
    this.bar.start(totalSteps, startStep, { samplesPerSecond: '-', losses: '' });
    this.running = true;
  }

  update(metrics: StepMetrics): void {
    if (!this.running) return;
    this.bar.update(metrics.step + 1, { samplesPerSecond: metrics.samplesPerSecond.toFixed(1), losses: formatLosses(metrics.losses) });
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.bar.stop();
  }
}
