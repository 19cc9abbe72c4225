import type { CoordinatorEvents, RankMetrics, WorkerAnnouncement } from '../dashboard/coordinator-events';
import type { StepMetrics } from '@ganglion/pipeline';

/** Tells every one of several observers (the dashboard, a launcher's roster) what the coordinator reports. */
export class CoordinatorEventsFanOut implements CoordinatorEvents {
  private readonly observers: readonly CoordinatorEvents[];

  constructor(observers: ReadonlyArray<CoordinatorEvents | undefined>) {
    this.observers = observers.filter((observer): observer is CoordinatorEvents => observer !== undefined);
  }

  memberJoined(worker: WorkerAnnouncement): void {
    for (const observer of this.observers) observer.memberJoined(worker);
  }

  memberLost(workerId: string, reason: string): void {
    for (const observer of this.observers) observer.memberLost(workerId, reason);
  }

  generationChanged(generation: number, ranks: readonly string[]): void {
    for (const observer of this.observers) observer.generationChanged(generation, ranks);
  }

  messageFrom(workerId: string): void {
    for (const observer of this.observers) observer.messageFrom(workerId);
  }

  stepFinished(metrics: StepMetrics, byRank: ReadonlyMap<number, RankMetrics>): void {
    for (const observer of this.observers) observer.stepFinished(metrics, byRank);
  }

  samplesWritten(step: number, file: string): void {
    for (const observer of this.observers) observer.samplesWritten(step, file);
  }
}
