import type { CoordinatorEvents, WorkerAnnouncement } from '../dashboard/coordinator-events';

/** A worker as the coordinator knows it: its id, rank (after the last generation) and whether it left the job. */
export interface RosterEntry {
  readonly workerId: string;
  readonly host: string;
  readonly pid: number;
  rank: number | undefined;
  lostBecause: string | undefined;
}

/**
 * What a launcher needs to know of its workers from the coordinator's
 * side: which local pid is which worker id and rank, whether a job has
 * formed yet, and which workers the coordinator already dropped. Lets
 * `launch` name a worker by rank and id (not by its launch index) and
 * leave losses to the coordinator's elastic rules (--min-workers, ...).
 */
export class LaunchRoster implements CoordinatorEvents {
  private readonly byId = new Map<string, RosterEntry>();
  private formed = false;

  /** Called with each worker the coordinator drops (hung, disconnected), e.g. to stop its process. */
  constructor(private readonly onLost: (entry: RosterEntry) => void = () => undefined) {}

  /** True once a first generation formed (training started or is about to). */
  get jobFormed(): boolean {
    return this.formed;
  }

  /** The worker whose HELLO gave this pid, on this machine. */
  byPid(pid: number | undefined): RosterEntry | undefined {
    return [...this.byId.values()].find((entry) => entry.pid === pid);
  }

  /** `rank 1 (worker vm-123, pid 123)`, or `worker process pid 123 (not admitted)`. */
  describe(pid: number | undefined): string {
    const entry = this.byPid(pid);
    if (entry === undefined) return `worker process ${pid ?? '?'} (not yet admitted by the coordinator)`;
    return `${entry.rank === undefined ? 'a joining worker' : `rank ${entry.rank}`} (worker ${entry.workerId}, pid ${entry.pid})`;
  }

  memberJoined(worker: WorkerAnnouncement): void {
    this.byId.set(worker.workerId, { workerId: worker.workerId, host: worker.host, pid: worker.pid, rank: undefined, lostBecause: undefined });
  }

  memberLost(workerId: string, reason: string): void {
    const entry = this.byId.get(workerId);
    if (entry === undefined || entry.lostBecause !== undefined) return;
    entry.lostBecause = reason;
    this.onLost(entry);
  }

  generationChanged(_generation: number, ranks: readonly string[]): void {
    this.formed = true;
    // A lost worker keeps the rank it had, so messages about it can name it.
    for (const entry of this.byId.values()) if (entry.lostBecause === undefined) entry.rank = undefined;
    ranks.forEach((workerId, rank) => {
      const entry = this.byId.get(workerId);
      if (entry !== undefined) entry.rank = rank;
    });
  }

  messageFrom(): void {}

  stepFinished(): void {}

  samplesWritten(): void {}
}
