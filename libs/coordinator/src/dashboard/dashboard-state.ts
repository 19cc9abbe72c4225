import type { StepMetrics } from '@ganglion/pipeline';
import type { RankMetrics, WorkerAnnouncement } from './coordinator-events';

/** The run a dashboard shows, fixed when it starts. */
export interface DashboardRunInfo {
  /** Pipeline name, e.g. `fashion-dcgan`. */
  readonly pipeline: string;
  /** Total steps of the run. */
  readonly steps: number;
  /** First step trained (non-zero when resuming). */
  readonly startStep: number;
  /** Gradient reducer: `ring` or `star`. */
  readonly reducer: string;
  /** Global batch size over all workers. */
  readonly batchSize: number;
  /** Workers the job waits for. */
  readonly workers: number;
  /** The run folder, runs/<name>/<timestamp>. */
  readonly runFolder: string;
}

/** One worker as the dashboard shows it. */
export interface DashboardWorker {
  readonly workerId: string;
  readonly host: string;
  readonly pid: number;
  readonly backend: string;
  readonly devices: readonly string[];
  /** Rank in the current generation, null before the first WELCOME or after it left. */
  readonly rank: number | null;
  /** `joined`: admitted, waiting for the others; `alive`: ranked; `lost`: left the job; `done`: the run ended with it in the job. */
  readonly status: 'joined' | 'alive' | 'lost' | 'done';
  /** Why it left, when lost. */
  readonly lostReason: string | null;
  /** Wall-clock time (epoch ms) of its latest message. */
  readonly lastMessageAt: number;
  /** Its own wall time of the latest step (STEP_DONE stepMs), null before the first. */
  readonly stepMs: number | null;
}

/** Where the run stands. */
export type DashboardRunStatus = 'waiting' | 'training' | 'finished' | 'failed';

/** One finished step, as the charts plot it. */
export interface DashboardPoint {
  readonly step: number;
  /** Mean loss of each phase (null: not finite or not reported). */
  readonly losses: Readonly<Record<string, number | null>>;
  readonly samplesPerSecond: number | null;
  readonly stepMs: number | null;
}

/** The latest sample grid. */
export interface DashboardSample {
  readonly step: number;
  /** Path of the image on the dashboard server (changes with every grid, so browsers never show a cached one). */
  readonly url: string;
}

/** Everything the page needs to draw itself from scratch: sent when a browser connects. */
export interface DashboardSnapshot {
  /** Wall-clock time (epoch ms) on the coordinator, for ages without trusting the browser's clock. */
  readonly now: number;
  readonly run: DashboardRunInfo;
  readonly status: DashboardRunStatus;
  /** Why the run ended (failed, interrupted) or how. */
  readonly message: string | null;
  readonly generation: number;
  /** Steps finished so far (the last finished step + 1), or startStep before any. */
  readonly step: number;
  readonly workers: readonly DashboardWorker[];
  /** Finished steps, oldest first; at most `maxPoints` (thinned evenly beyond that). */
  readonly points: readonly DashboardPoint[];
  readonly maxPoints: number;
  readonly sample: DashboardSample | null;
}

export interface DashboardStateOptions {
  readonly run: DashboardRunInfo;
  /** Wall-clock milliseconds (Date.now in production). */
  readonly now: () => number;
  /** Keep at most this many points; beyond it every second point is dropped. Default 10000. */
  readonly maxPoints?: number;
}

/** A finite number or null (JSON has no NaN). */
function finiteOrNull(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

/**
 * What the dashboard knows of a run, built from CoordinatorEvents-shaped
 * calls; no I/O. Each change returns what a browser needs to apply it, so
 * the server can broadcast exactly that.
 */
export class DashboardState {
  private readonly workers = new Map<string, DashboardWorker>();
  private readonly points: DashboardPoint[] = [];
  private readonly maxPoints: number;
  private status: DashboardRunStatus = 'waiting';
  private message: string | null = null;
  private generation = 0;
  private step: number;
  private sample: DashboardSample | null = null;
  private sampleFile: string | null = null;

  constructor(private readonly options: DashboardStateOptions) {
    this.maxPoints = options.maxPoints ?? 10_000;
    if (!Number.isInteger(this.maxPoints) || this.maxPoints < 2) throw new RangeError(`maxPoints must be an integer of at least 2, got ${options.maxPoints}.`);
    this.step = options.run.startStep;
  }

  snapshot(): DashboardSnapshot {
    return {
      now: this.options.now(),
      run: this.options.run,
      status: this.status,
      message: this.message,
      generation: this.generation,
      step: this.step,
      workers: this.workerList(),
      points: [...this.points],
      maxPoints: this.maxPoints,
      sample: this.sample,
    };
  }

  /** Where the run stands, as the `run` event carries it. */
  progress(): Pick<DashboardSnapshot, 'status' | 'message' | 'generation' | 'step'> {
    return { status: this.status, message: this.message, generation: this.generation, step: this.step };
  }

  /** The workers, ranked ones first by rank, then the others by worker id. */
  workerList(): DashboardWorker[] {
    return [...this.workers.values()].sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.workerId.localeCompare(b.workerId));
  }

  /** The PNG file of the latest sample grid, or null before the first. */
  get latestSampleFile(): string | null {
    return this.sampleFile;
  }

  memberJoined(worker: WorkerAnnouncement): void {
    const { workerId, host, pid, backend, devices } = worker;
    this.workers.set(workerId, { workerId, host, pid, backend, devices: [...devices], rank: null, status: 'joined', lostReason: null, lastMessageAt: this.options.now(), stepMs: null });
  }

  memberLost(workerId: string, reason: string): void {
    const worker = this.workers.get(workerId);
    if (worker === undefined || worker.status === 'lost') return;
    this.workers.set(workerId, { ...worker, status: 'lost', rank: null, lostReason: reason });
  }

  generationChanged(generation: number, ranks: readonly string[]): void {
    this.generation = generation;
    if (this.status === 'waiting') this.status = 'training';
    for (const [workerId, worker] of this.workers) {
      const rank = ranks.indexOf(workerId);
      if (rank >= 0) this.workers.set(workerId, { ...worker, rank, status: 'alive', lostReason: null });
      else if (worker.status !== 'lost') this.workers.set(workerId, { ...worker, rank: null, status: 'joined' });
    }
  }

  /** Records a message; returns false for a worker the dashboard does not know. */
  messageFrom(workerId: string): boolean {
    const worker = this.workers.get(workerId);
    if (worker === undefined) return false;
    this.workers.set(workerId, { ...worker, lastMessageAt: this.options.now() });
    return true;
  }

  /** Appends the step's point (returned, as the page appends it) and each rank's own step time. */
  stepFinished(metrics: StepMetrics, byRank: ReadonlyMap<number, RankMetrics>): DashboardPoint {
    const losses: Record<string, number | null> = {};
    for (const [phase, loss] of Object.entries(metrics.losses)) losses[phase] = finiteOrNull(loss);
    const point: DashboardPoint = { step: metrics.step, losses, samplesPerSecond: finiteOrNull(metrics.samplesPerSecond), stepMs: finiteOrNull(metrics.stepMs) };
    this.points.push(point);
    if (this.points.length > this.maxPoints) thinInPlace(this.points);
    this.step = metrics.step + 1;
    this.status = 'training';
    for (const [workerId, worker] of this.workers) {
      if (worker.rank === null) continue;
      const stepMs = finiteOrNull(byRank.get(worker.rank)?.values.stepMs);
      if (stepMs !== null) this.workers.set(workerId, { ...worker, stepMs });
    }
    return point;
  }

  /** Records the latest grid; returns it as the page sees it. */
  samplesWritten(step: number, file: string): DashboardSample {
    this.sampleFile = file;
    this.sample = { step, url: `/samples/latest.png?step=${step}` };
    return this.sample;
  }

  /** The run ended: `finished`, or `failed` with the reason. Workers still in the job are `done`. */
  ended(status: 'finished' | 'failed', message: string | null): void {
    this.status = status;
    this.message = message;
    for (const [workerId, worker] of this.workers) {
      if (worker.status !== 'lost') this.workers.set(workerId, { ...worker, status: 'done' });
    }
  }
}

/** Drops every second point, keeping the newest: the curve keeps its whole span at half the resolution. The page does the same. */
export function thinInPlace<T>(points: T[]): void {
  const last = points.length - 1;
  let kept = 0;
  for (let i = 0; i <= last; i++) {
    if ((last - i) % 2 === 0) points[kept++] = points[i];
  }
  points.length = kept;
}
