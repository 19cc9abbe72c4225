import { type AppendLog, DurableFiles } from '@ganglion/storage';

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

/**
 * Appends one JSON object per step to a file (metrics.jsonl), each line
 * whole and fsynced (an AppendLog); a full disk throws a StorageError
 * naming the file, which stops the run.
 */
export class JsonlMetricsSink implements MetricsSink {
  private readonly log: AppendLog;

  constructor(
    readonly file: string,
    files: DurableFiles = new DurableFiles(),
  ) {
    this.log = files.openAppendLog(file);
  }

  write(metrics: StepMetrics): void {
    this.log.append(JSON.stringify(metrics) + '\n');
  }

  close(): void {
    this.log.close();
  }
}
