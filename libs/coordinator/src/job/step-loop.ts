import { type Envelope, type Incoming, type ReduceStalledHeader, type SamplesHeader, type StateHeader, type StepDoneHeader, type StepReport, type WeightsHeader } from '@ganglion/comm';
import { type ProgressReporter, type StepMetrics, stepMetricsFromValues } from '@ganglion/pipeline';
import { ChecksumMismatchError, OutputWriteError, WorkerFailedError } from './coordinator-errors';
import type { CoordinatorOutputs } from '../outputs/coordinator-outputs';
import type { CoordinatorContext } from './coordinator-context';
import { CoordinatorStage } from './coordinator-stage';
import type { RunProducts } from './run-products';
import type { StallReports, StallVerdict } from './stall-reports';

/** Membership changed while training: the step loop stops and the group is formed again. */
export class MembershipChange extends Error {
  override readonly name = 'MembershipChange';
}

/** The STEP_DONEs of one barrier step, by rank: the barrier is passed when every rank's is in. */
type BarrierReports = Map<number, StepDoneHeader>;

/** The steps the latest STEP granted, its barrier steps, and the STEP_DONEs of later barriers that came before the current one was passed. */
interface Grant {
  readonly through: number;
  /** The steps after which every rank reports (the checksum steps and `through`), in order. */
  readonly barriers: readonly number[];
  readonly early: Map<number, BarrierReports>;
}

/**
 * Training (STEP, STEP_DONE; the final WEIGHTS): STEP to every rank, granting
 * one step (star) or up to `stepWindow` steps (ring: the ring keeps the
 * ranks in lock-step, so the coordinator sends a STEP per rank every few
 * steps rather than every step; a grant also ends at a checkpoint step).
 * Inside a grant the ranks report only at its barriers, the checksum steps
 * and the last: every rank's STEP_DONE collected, checksums compared, and
 * rank 0's reports (its STEP_DONE and the `earlier` steps it carries)
 * written as metrics lines up to the barrier and shown by the progress
 * reporter (a bar, or log lines). SAMPLES, STATE and WEIGHTS from rank 0
 * are kept as they come; after the last step, the wait for rank 0's final
 * weights. A worker joining stops the loop with MembershipChange at the
 * end of a grant; one gone stops it at once, and so does a stalled
 * reduction: the ranks' REDUCE_STALLED reports go to StallReports, whose
 * verdict drops the rank whose link is down or the peer that did not
 * deliver (told with ERROR 'dropped')
 * or re-forms the group. The steps finished but not written when a
 * generation ends come with rank 0's first STEP_DONE of the next (STEP's
 * `metricsThrough` tells the ranks which reports to keep).
 */
export class StepLoop extends CoordinatorStage {
  private readonly finished: StepMetrics[] = [];
  private readonly checked: number[] = [];
  /** The last step whose metrics line is written. */
  private written = -1;

  constructor(
    context: CoordinatorContext,
    private readonly outputs: CoordinatorOutputs,
    private readonly progress: ProgressReporter,
    private readonly stalls: StallReports,
    /** The ranks the star aggregator still waits for in (step, phase). */
    private readonly missingGrads: (step: number, phase: number) => readonly number[],
  ) {
    super(context);
  }

  /** Every finished step's metrics, in order (grows as steps are written). */
  get history(): readonly StepMetrics[] {
    return this.finished;
  }

  /** Steps at which every rank's weight checksum was compared (and matched; grows as steps finish). */
  get checksumSteps(): readonly number[] {
    return this.checked;
  }

  /** The first step whose metrics line is not written yet. */
  get firstUnwritten(): number {
    return this.written + 1;
  }

  /** Training starts at `start` with the ranks of the first generation: logged, and the progress reporter started. */
  startTraining(start: number): void {
    this.job.startTraining();
    this.written = start - 1;
    const { steps, distributed, batchSize } = this.settings;
    const worldSize = this.members.ranked.length;
    this.logger.info(
      { worldSize, reducer: distributed.reducer, bucketBytes: distributed.bucketBytes, fp16: distributed.fp16, steps, batchSize },
      `training ${this.settings.name}: ${worldSize} worker${worldSize === 1 ? '' : 's'}, reducer ${distributed.reducer}${distributed.fp16 ? ' (fp16)' : ''}, ` +
        `global batch ${batchSize}, steps ${start}..${steps - 1}`,
    );
    this.progress.start(steps, start);
  }

  /** STEP ... STEP_DONE for steps `start`..steps-1: appends each step's metrics to `history` and each checked step to `checksumSteps`. Throws MembershipChange. */
  async trainSteps(start: number): Promise<void> {
    const { steps } = this.settings;
    const worldSize = this.members.ranked.length;
    this.stalls.clear();
    let grant: Grant | undefined;
    for (let step = start; step < steps; ) {
      if (grant === undefined || step > grant.through) {
        if (this.members.joining.length > 0) throw new MembershipChange(`${this.members.joining.map((m) => m.hello.workerId).join(', ')} joined`);
        grant = await this.grantFrom(step);
      }
      const barrier = grant.barriers.find((s) => s >= step) as number;
      const done = grant.early.get(barrier) ?? new Map<number, StepDoneHeader>();
      grant.early.delete(barrier);
      while (done.size < worldSize) {
        if (this.members.hasGone) throw new MembershipChange('a worker is gone');
        const verdict = this.stalls.verdict(this.clock.now(), worldSize, this.missingGrads);
        if (verdict !== undefined) {
          await this.actOnStall(verdict);
          throw new MembershipChange(verdict.reason);
        }
        const incoming = await this.link.next(Math.min(this.link.interval, Math.max(10, this.stalls.dueIn(this.clock.now()))));
        if (incoming !== undefined) await this.onTrainingMessage(incoming, { barrier, done, grant });
      }
      if (this.checksumAt(barrier)) {
        this.compareChecksums(barrier, done);
        this.checked.push(barrier);
      }
      this.writeThrough(barrier, done);
      step = barrier + 1;
    }
  }

  /**
   * Sends every rank a STEP granting `step` and, with the ring, up to
   * stepWindow - 1 more: never past the last step or a checkpoint step,
   * so that a checkpoint never lies ahead of the metrics written.
   */
  private async grantFrom(step: number): Promise<Grant> {
    const { steps, distributed, checkpointEvery } = this.settings;
    const window = distributed.reducer === 'ring' ? distributed.stepWindow : 1;
    let through = Math.min(steps - 1, step + window - 1);
    for (let s = step; s < through; s++) {
      if (checkpointEvery > 0 && (s + 1) % checkpointEvery === 0) through = s;
    }
    const checksumSteps: number[] = [];
    for (let s = step; s <= through; s++) if (this.checksumAt(s)) checksumSteps.push(s);
    for (const member of this.members.ranked) {
      await this.link.trySend(member.peer, { type: 'STEP', generation: this.job.generation, step, through, checksumSteps, metricsThrough: this.written });
    }
    return { through, barriers: checksumSteps.at(-1) === through ? checksumSteps : [...checksumSteps, through], early: new Map() };
  }

  /** Weights are compared every checksumEvery steps and after the last. */
  private checksumAt(step: number): boolean {
    return (step + 1) % this.settings.distributed.checksumEvery === 0 || step + 1 === this.settings.steps;
  }

  /**
   * The end: waits for rank 0's final WEIGHTS (kept by RunProducts) and
   * for the reports of every step (when the last steps finished in a
   * generation that ended, rank 0 sends them just before its weights);
   * fails when rank 0 leaves or they do not come in time.
   */
  async awaitFinalWeights(steps: number, timeoutMs: number): Promise<void> {
    const deadline = this.clock.now() + timeoutMs;
    const rank0 = this.members.ranked[0];
    while (!this.products.hasFinalWeights || this.written < steps - 1) {
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) {
        throw new WorkerFailedError(
          this.products.hasFinalWeights
            ? `Rank 0 sent its final weights but no report of steps ${this.written + 1}..${steps - 1} within ${Math.round(timeoutMs / 1000)} s; their metrics lines are missing.`
            : `Rank 0 did not send its final weights within ${Math.round(timeoutMs / 1000)} s of step ${steps}.`,
        );
      }
      const incoming = await this.link.next(Math.min(remaining, this.link.interval));
      if (incoming !== undefined) await this.onTrainingMessage(incoming);
      for (const { member, reason } of this.members.takeGone()) {
        this.admission.drop(member, reason);
        if (member === rank0) throw new WorkerFailedError(`Rank 0 (${member.hello.workerId}) left before sending the final weights: ${reason}.`);
      }
    }
  }

  /**
   * Writes the metrics lines of every step not written yet through
   * `through` from rank 0's STEP_DONE (its step and the `earlier` ones it
   * carries; the losses are the reduced global means, the same on every
   * rank). `byRank`: each rank's STEP_DONE, for the dashboard.
   */
  private writeThrough(through: number, byRank: ReadonlyMap<number, StepDoneHeader>): void {
    const rank0 = byRank.get(0) as StepDoneHeader;
    const reports = new Map<number, StepReport>([...(rank0.earlier ?? []), rank0].map((report) => [report.step, report]));
    for (let step = this.written + 1; step <= through; step++) {
      const report = reports.get(step);
      if (report === undefined) {
        const id = this.members.ranked[0]?.hello.workerId ?? 'rank 0';
        throw new WorkerFailedError(
          `Rank 0 (${id}) reported step ${rank0.step} without its report of step ${step}, whose metrics are not written yet; the job is out of step.`,
        );
      }
      this.record(step, report.values, byRank);
    }
  }

  private record(step: number, values: Readonly<Record<string, number>>, byRank: ReadonlyMap<number, StepDoneHeader>): void {
    const fromRank0 = stepMetricsFromValues(step, values, this.clock.date());
    const metrics: StepMetrics = { ...fromRank0, samplesPerSecond: (this.settings.batchSize * 1000) / fromRank0.stepMs };
    try {
      this.outputs.metrics.write(metrics);
    } catch (error) {
      throw new OutputWriteError(`Stopping: the metrics of step ${step} could not be written. ${(error as Error).message}`);
    }
    this.written = step;
    this.finished.push(metrics);
    this.events?.stepFinished(metrics, byRank);
    this.progress.update(metrics);
  }

  /**
   * A message while training. `at`: the barrier step being collected (its
   * STEP_DONEs go to `done`; a later barrier's of the grant are kept in
   * `grant.early`, since two ranks' reports can cross). Without `at` (after
   * the last step), rank 0's STEP_DONE is its flush of steps it finished
   * in a generation that ended: their lines are written.
   */
  private async onTrainingMessage(incoming: Incoming, at?: { readonly barrier: number; readonly done: BarrierReports; readonly grant: Grant }): Promise<void> {
    const message = await this.inbox.fromMember(incoming);
    if (message === undefined) return;
    const { member, envelope } = message;
    const rank = this.members.rankOf(member);
    const { header } = envelope;
    if (header.type === 'ERROR') {
      throw new WorkerFailedError(`Worker ${member.hello.workerId} (rank ${rank} on ${member.hello.host}) failed: ${header.reason}`);
    }
    if (header.generation !== this.job.generation || rank < 0) return;
    if (header.type === 'SAMPLES') {
      this.products.writeSamples(envelope as Envelope<SamplesHeader>);
      return;
    }
    if (header.type === 'WEIGHTS') {
      this.products.keepFinalWeights(envelope as Envelope<WeightsHeader>);
      return;
    }
    if (header.type === 'STATE') {
      if (rank === 0) this.products.writeCheckpoint(envelope as Envelope<StateHeader>);
      return;
    }
    if (header.type === 'REDUCE_STALLED') {
      if (header.rank === rank) this.stalls.add(header as ReduceStalledHeader, this.clock.now());
      return;
    }
    if (header.type !== 'STEP_DONE') return;
    if (at === undefined) {
      if (rank === 0 && header.rank === 0) this.writeThrough(header.step, new Map([[0, header]]));
      return;
    }
    const { barrier, done, grant } = at;
    if (header.rank === rank && header.step > barrier && grant.barriers.includes(header.step)) {
      const early = grant.early.get(header.step) ?? new Map<number, StepDoneHeader>();
      grant.early.set(header.step, early.set(rank, header));
      return;
    }
    if (header.rank !== rank || header.step !== barrier) {
      throw new WorkerFailedError(
        `Worker ${member.hello.workerId} (rank ${rank}) sent ${header.type} for rank ${header.rank}, step ${header.step} while the ranks' reports of step ${barrier} were due; the job is out of step.`,
      );
    }
    done.set(rank, header);
  }

  /** A stalled reduction: drops the ranks the verdict names (each told why with a fatal ERROR), or only logs a re-forming. */
  private async actOnStall(verdict: StallVerdict): Promise<void> {
    this.stalls.clear();
    if (verdict.kind === 'reform') {
      this.logger.warn({ generation: this.job.generation, reason: verdict.reason }, `re-forming the group under a new generation: ${verdict.reason}`);
      return;
    }
    const culprits = verdict.ranks.map((rank) => this.members.ranked[rank]).filter((member) => member !== undefined);
    for (const member of culprits) {
      await this.link.trySend(member.peer, {
        type: 'ERROR',
        generation: this.job.generation,
        step: 0,
        code: 'dropped',
        reason: `This worker was dropped from the job: ${verdict.reason}. The others went on without it; check its machine and network, then restart it to rejoin.`,
        fatal: true,
      });
      this.admission.drop(member, verdict.reason);
    }
  }

  private compareChecksums(step: number, done: ReadonlyMap<number, StepDoneHeader>): void {
    const values = this.members.ranked.map((_, rank) => done.get(rank)?.checksum?.value);
    const missing = values.flatMap((value, rank) => (value === undefined ? [rank] : []));
    if (missing.length > 0) {
      throw new ChecksumMismatchError(`Step ${step}: ranks ${missing.join(', ')} sent no weight checksum although the STEP asked for one.`);
    }
    if (new Set(values).size !== 1) {
      throw new ChecksumMismatchError(
        `WEIGHTS DIVERGED at step ${step}: the ranks' weight checksums differ (${values.map((v, rank) => `rank ${rank}: ${v}`).join(', ')}). ` +
          'Replicas must hold identical weights; stopping. Check that every worker runs the same code and backend.',
      );
    }
    this.logger.info({ step: step + 1, checksum: values[0], ranks: values.length }, `step ${step + 1}: weight checksums match on all ${values.length} ranks (${values[0]})`);
  }
}
