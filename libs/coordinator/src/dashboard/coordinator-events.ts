import type { StepMetrics } from '@ganglion/pipeline';

/** A worker as its HELLO introduced it (a HelloHeader fits). */
export interface WorkerAnnouncement {
  /** Stable id of the worker (its routing id). */
  readonly workerId: string;
  readonly host: string;
  readonly pid: number;
  /** Compute backend it chose: `tensorflow`, `wasm` or `cpu`. */
  readonly backend: string;
  /** Devices the backend sees, e.g. `['GPU:0']`. */
  readonly devices: readonly string[];
}

/** One rank's metrics of a step (a StepDoneHeader fits): `stepMs`, `loss/<phase>`, ... */
export interface RankMetrics {
  readonly values: Readonly<Record<string, number>>;
}

/**
 * What a Coordinator tells an observer (the live dashboard) as a job runs.
 * Every call is a notification: it must return quickly and never throw
 * into the coordinator. Workers are named by their worker id, which stays
 * the same across re-rankings.
 */
export interface CoordinatorEvents {
  /** A worker was admitted (it has no rank until the next generationChanged). */
  memberJoined(worker: WorkerAnnouncement): void;
  /** A worker left the job: an ERROR, a dropped connection, a heartbeat timeout. */
  memberLost(workerId: string, reason: string): void;
  /** A new generation: `ranks` lists the worker ids in rank order (index = rank). */
  generationChanged(generation: number, ranks: readonly string[]): void;
  /** Any message arrived from this worker (its liveness, as the coordinator sees it). */
  messageFrom(workerId: string): void;
  /** A step finished on every rank: the global metrics (rank 0's losses, the coordinator's wall time) and each rank's own metrics (its STEP_DONE) by rank. */
  stepFinished(metrics: StepMetrics, byRank: ReadonlyMap<number, RankMetrics>): void;
  /** A sample grid for `step` was written to `file` (a PNG). */
  samplesWritten(step: number, file: string): void;
}
