import * as fs from 'node:fs';
import * as path from 'node:path';

/** One line of metrics.jsonl: a finished step. */
export interface StepMetrics {
  readonly step: number;
  /** Mean loss of each phase over the global batch, by phase name. */
  readonly losses: Readonly<Record<string, number>>;
  /** Wall time of the whole step. */
  readonly stepMs: number;
  readonly samplesPerSecond: number;
  /** Milliseconds spent reducing gradients, when more than one worker trains. */
  readonly reduceMs?: number;
  readonly time: string;
}

/** Where a run's per-step metrics go. */
export interface MetricsSink {
  write(metrics: StepMetrics): void;
  close(): void;
}

export const MetricsSink = Symbol('MetricsSink');

/** Appends one JSON object per step to a file (metrics.jsonl). */
export class JsonlMetricsSink implements MetricsSink {
  private readonly fd: number;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'a');
  }

  write(metrics: StepMetrics): void {
    fs.writeSync(this.fd, JSON.stringify(metrics) + '\n');
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
