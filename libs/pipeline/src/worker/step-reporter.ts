import { MAX_EARLIER_REPORTS, type StepReport, type WeightsChecksum } from '@ganglion/comm';
import { inject, injectable } from 'inversify';
import { Clock } from '../clock';
import type { StepMetrics } from '../metrics-sink';
import { stepMetricsToValues } from '../job-messages/step-metrics-values';
import { WorkerSession } from './worker-session';

/**
 * A rank's STEP_DONEs (protocol 5). It keeps its report of every step it
 * finished until a STEP's `metricsThrough` says the coordinator wrote it,
 * across changes of membership, and sends STEP_DONE at the barrier steps:
 * rank 0's carries, as `earlier`, the kept reports before the step that
 * its last STEP_DONE of this generation did not (all of them in a new
 * generation, where the last one may never have counted). So a
 * grant of eight steps costs the coordinator one message per rank, and
 * the steps a generation finished before it ended still reach
 * metrics.jsonl, from whichever rank is rank 0 next (the losses are the
 * reduced global means, the same on every rank).
 *
 * `stepMs` in a report is the wall time since this rank finished step - 1
 * (waits for the coordinator and a change of membership included, as the
 * coordinator measured it when it saw every step), or the trainer's own
 * time when it did not (the first step of the process, or after the job
 * went back to an earlier step).
 */
@injectable()
export class StepReporter {
  private readonly kept: StepReport[] = [];
  private previousEnd: { readonly step: number; readonly atMs: number } | undefined;
  /** The generation and step of the last STEP_DONE sent: whatever was kept before it went with it. */
  private lastSent: { readonly generation: number; readonly step: number } | undefined;

  constructor(
    @inject(WorkerSession) private readonly session: Pick<WorkerSession, 'rank' | 'generation' | 'send'>,
    @inject(Clock) private readonly clock: Clock,
  ) {}

  /** Reports kept, oldest first (for specs and logs). */
  get keptSteps(): number[] {
    return this.kept.map((report) => report.step);
  }

  /**
   * Step `step` ended with `metrics`, this rank having trained on
   * `sampleCount` samples: keeps its report. Reports of this step or later
   * ones are dropped first: they are from before the job went back to an
   * earlier step (another rank's state after a change of membership).
   */
  keep(step: number, sampleCount: number, metrics: StepMetrics): void {
    const nowMs = this.clock.now();
    const stepMs = this.previousEnd?.step === step - 1 ? nowMs - this.previousEnd.atMs : metrics.stepMs;
    this.previousEnd = { step, atMs: nowMs };
    while (this.kept.length > 0 && (this.kept.at(-1) as StepReport).step >= step) this.kept.pop();
    this.kept.push({ step, sampleCount, values: stepMetricsToValues({ ...metrics, stepMs }) });
    // Bounded whatever the coordinator does; it names a step it misses (WorkerFailedError) rather than guess.
    if (this.kept.length > MAX_EARLIER_REPORTS) this.kept.splice(0, this.kept.length - MAX_EARLIER_REPORTS);
  }

  /** The coordinator wrote the metrics of every step through `metricsThrough` (a STEP said so): forgets their reports. */
  forgetThrough(metricsThrough: number): void {
    const firstUnwritten = this.kept.findIndex((report) => report.step > metricsThrough);
    this.kept.splice(0, firstUnwritten < 0 ? this.kept.length : firstUnwritten);
  }

  /** Sends the STEP_DONE of `step` (whose report was kept), with `checksum` when asked for one; rank 0's with the earlier kept reports. */
  async send(step: number, checksum?: WeightsChecksum): Promise<void> {
    const index = this.kept.findIndex((report) => report.step === step);
    if (index < 0) throw new Error(`StepReporter.send(${step}): no report of step ${step} was kept; call keep() when the step ends.`);
    const { sampleCount, values } = this.kept[index];
    const rank = this.session.rank();
    const generation = this.session.generation();
    // Within a generation the coordinator passes the barriers in order: what went with this rank's last STEP_DONE is written by then.
    const after = this.lastSent?.generation === generation ? this.lastSent.step : -1;
    const unsent = rank === 0 ? this.kept.slice(0, index).filter((report) => report.step > after) : [];
    const earlier = unsent.length > 0 ? { earlier: unsent } : {};
    await this.session.send({ type: 'STEP_DONE', generation, step, rank, sampleCount, values, ...(checksum === undefined ? {} : { checksum }), ...earlier });
    this.lastSent = { generation, step };
  }

  /**
   * Rank 0, when it has no step left to run: if the coordinator may lack
   * some of its kept reports (the job's last steps were finished in a
   * generation that ended before their STEP_DONE counted), sends them in
   * one STEP_DONE of the last step it finished. Nothing when its last
   * STEP_DONE went out in the current generation.
   */
  async flush(): Promise<void> {
    const latest = this.kept.at(-1);
    if (this.session.rank() !== 0 || latest === undefined) return;
    if (this.lastSent !== undefined && this.lastSent.generation === this.session.generation() && this.lastSent.step >= latest.step) return;
    await this.send(latest.step);
  }
}
