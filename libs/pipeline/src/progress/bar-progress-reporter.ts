import { SingleBar } from 'cli-progress';
import type { StepMetrics } from '../metrics-sink';
import { formatLosses, type ProgressReporter } from './progress-reporter';

export interface BarProgressReporterOptions {
  /** The terminal the bar is drawn on. Default process.stderr (stdout stays for log lines). */
  readonly stream?: NodeJS.WritableStream;
  /** Redraws per second at most. Default 10. */
  readonly fps?: number;
  /**
   * Streams whose writes are kept off the bar while it is up (default
   * process.stdout, where worker output and log lines go): before each
   * write the bar's line is cleared, after it the bar is drawn again below.
   * Writes that bypass `write()` (e.g. straight to fd 1) are not seen.
   */
  readonly logStreams?: readonly NodeJS.WritableStream[];
}

/**
 * A live progress bar for a terminal (cli-progress): step/steps, samples/s,
 * ETA and the latest loss of each phase. It draws on stderr by default so
 * that log lines on stdout and the bar do not share a stream; a log line
 * printed while the bar is up lands above the next redraw.
 */
export class BarProgressReporter implements ProgressReporter {
  private readonly bar: SingleBar;
  private readonly stream: NodeJS.WritableStream;
  private readonly logStreams: readonly NodeJS.WritableStream[];
  private readonly restores: (() => void)[] = [];
  private running = false;

  constructor(options: BarProgressReporterOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.logStreams = options.logStreams ?? [process.stdout];
    this.bar = new SingleBar({
      stream: this.stream,
      forceRedraw: true,
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
    for (const logStream of this.logStreams) this.keepOffTheBar(logStream);
  }

  update(metrics: StepMetrics): void {
    if (!this.running) return;
    this.bar.update(metrics.step + 1, { samplesPerSecond: metrics.samplesPerSecond.toFixed(1), losses: formatLosses(metrics.losses) });
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    for (const restore of this.restores.splice(0)) restore();
    this.bar.stop();
  }

  /** Wraps `logStream.write` until stop(): clear the bar's line, write, draw the bar again. */
  private keepOffTheBar(logStream: NodeJS.WritableStream): void {
    const original = logStream.write;
    const clearLine = '\r\x1b[2K';
    const wrapped = (...args: Parameters<typeof original>): boolean => {
      this.stream.write(clearLine);
      const result = original.apply(logStream, args);
      if (this.running) this.bar.render();
      return result;
    };
    logStream.write = wrapped as typeof original;
    this.restores.push(() => {
      logStream.write = original;
    });
  }
}
