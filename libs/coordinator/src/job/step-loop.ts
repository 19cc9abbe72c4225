import { type Envelope, type Incoming, type ReduceStalledHeader, reportsStep, type SamplesHeader, type StateHeader, type StepDoneHeader, type WeightsHeader } from '@ganglion/comm';
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

/** What the ranks reported of one step. */
interface StepReports {
  /** Each rank's STEP_DONE (its metrics and checksum), by rank: the step is done when every rank's is in. */
  readonly done: Map<number, StepDoneHeader>;
}

/** The steps the latest STEP granted, and the STEP_DONEs of its later steps that came before the current step's were all in. */
interface Grant {
  readonly through: number;
  readonly early: Map<number, Map<number, StepDoneHeader>>;
}

/**
 * Training (STEP, STEP_DONE; the final WEIGHTS): STEP to every rank, granting
 * one step (star) or `stepWindow` steps (ring: the ring keeps the ranks in
 * lock-step, so the coordinator sends a STEP per rank every few steps
 * rather than every step); per step, rank 0's STEP_DONE (its metrics) and,
 * at a grant's last step and the checksum steps, every rank's (with the
 * checksum when asked) collected, checksums compared, rank 0's
 * metrics written and shown by the progress reporter (a bar, or log lines); SAMPLES,
 * STATE and WEIGHTS from rank 0 kept as they come; after the last step,
 * the wait for rank 0's final weights. A worker joining stops the loop
 * with MembershipChange at the end of a grant; one gone stops it at once,
 * and so does a stalled reduction: the ranks'
 * REDUCE_STALLED reports go to StallReports, whose verdict drops the peer
 * that did not deliver (told with ERROR 'dropped') or re-forms the group.
 */
export class StepLoop extends CoordinatorStage {
  private readonly finished: StepMetrics[] = [];
  private readonly checked: number[] = [];
  /** The step a membership change interrupted, with what its ranks had reported. */
  private interrupted: { readonly step: number; readonly reports: StepReports; readonly started: number } | undefined;

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

  /** Every finished step's metrics, in order (grows as steps finish). */
  get history(): readonly StepMetrics[] {
    return this.finished;
  }

  /** Steps at which every rank's weight checksum was compared (and matched; grows as steps finish). */
  get checksumSteps(): readonly number[] {
    return this.checked;
  }

  /** Training starts at `start` with the ranks of the first generation: logged, and the progress reporter started. */
  startTraining(start: number): void {
    this.job.startTraining();
    const { steps, distributed, batchSize } = this.settings;
    const worldSize = this.members.ranked.length;
    this.logger.info(
      { worldSize, reducer: distributed.reducer, bucketBytes: distributed.bucketBytes, fp16: distributed.fp16, steps, batchSize },
      `training ${this.settings.name}: ${worldSize} worker${worldSize === 1 ? '' : 's'}, reducer ${distributed.reducer}${distributed.fp16 ? ' (fp16)' : ''}, ` +
        `global batch ${batchSize}, steps ${start}..${steps - 1}`,
    );
    this.progress.start(steps, start);
  }

  /** After a new generation formed at `continueAt`: a step rank 0 had finished before the change is not redone, its metrics are written now. */
  settleInterrupted(continueAt: number): void {
    const interrupted = this.interrupted;
    this.interrupted = undefined;
    if (interrupted !== undefined && continueAt > interrupted.step && interrupted.reports.done.size > 0) {
      this.recordStep(interrupted.step, interrupted.reports, this.clock.now() - interrupted.started);
    }
  }

  /** STEP ... STEP_DONE for steps `start`..steps-1: appends each step's metrics to `history` and each checked step to `checksumSteps`. Throws MembershipChange. */
  async trainSteps(start: number): Promise<void> {
    const { steps } = this.settings;
    const worldSize = this.members.ranked.length;
    this.stalls.clear();
    let grant: Grant | undefined;
    for (let step = start; step < steps; step++) {
      const started = this.clock.now();
      if (grant === undefined || step > grant.through) {
        if (this.members.joining.length > 0) throw new MembershipChange(`${this.members.joining.map((m) => m.hello.workerId).join(', ')} joined`);
        grant = await this.grantFrom(step);
      }
      const reports: StepReports = { done: grant.early.get(step) ?? new Map() };
      grant.early.delete(step);
      const checksummed = this.checksumAt(step);
      const { through } = grant;
      const reporting = this.members.ranked.map((_, rank) => rank).filter((rank) => reportsStep(rank, step, through, checksummed));
      while (!reporting.every((rank) => reports.done.has(rank))) {
        if (this.members.hasGone) {
          this.interrupted = { step, reports, started };
          throw new MembershipChange('a worker is gone');
        }
        const verdict = this.stalls.verdict(this.clock.now(), worldSize, this.missingGrads);
        if (verdict !== undefined) {
          this.interrupted = { step, reports, started };
          await this.actOnStall(verdict);
          throw new MembershipChange(verdict.reason);
        }
        const incoming = await this.link.next(Math.min(this.link.interval, Math.max(10, this.stalls.dueIn(this.clock.now()))));
        if (incoming !== undefined) await this.onTrainingMessage(incoming, step, reports, grant);
      }
      const stepMs = this.clock.now() - started;
      if (checksummed) {
        this.compareChecksums(step, reports.done);
        this.checked.push(step);
      }
      this.recordStep(step, reports, stepMs);
    }
  }

  /** Sends every rank a STEP granting `step` and, with the ring, the next stepWindow - 1 steps (never past the last). */
  private async grantFrom(step: number): Promise<Grant> {
    const { steps, distributed } = this.settings;
    const window = distributed.reducer === 'ring' ? distributed.stepWindow : 1;
    const through = Math.min(steps - 1, step + window - 1);
    const checksumSteps: number[] = [];
    for (let s = step; s <= through; s++) if (this.checksumAt(s)) checksumSteps.push(s);
    for (const member of this.members.ranked) {
      await this.link.trySend(member.peer, { type: 'STEP', generation: this.job.generation, step, through, checksumSteps });
    }
    return { through, early: new Map() };
  }

  /** Weights are compared every checksumEvery steps and after the last. */
  private checksumAt(step: number): boolean {
    return (step + 1) % this.settings.distributed.checksumEvery === 0 || step + 1 === this.settings.steps;
  }

  /** The end: waits for rank 0's final WEIGHTS (kept by RunProducts); fails when rank 0 leaves or they do not come in time. */
  async awaitFinalWeights(steps: number, timeoutMs: number): Promise<void> {
    const deadline = this.clock.now() + timeoutMs;
    const rank0 = this.members.ranked[0];
    while (!this.products.hasFinalWeights) {
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) throw new WorkerFailedError(`Rank 0 did not send its final weights within ${Math.round(timeoutMs / 1000)} s of step ${steps}.`);
      const incoming = await this.link.next(Math.min(remaining, this.link.interval));
      if (incoming !== undefined) await this.onTrainingMessage(incoming, steps, { done: new Map() });
      for (const { member, reason } of this.members.takeGone()) {
        this.admission.drop(member, reason);
        if (member === rank0) throw new WorkerFailedError(`Rank 0 (${member.hello.workerId}) left before sending the final weights: ${reason}.`);
      }
    }
  }

  /** Writes a finished step's metrics (rank 0's, whose losses are the global means: every rank reports the same reduced losses). */
  private recordStep(step: number, reports: StepReports, stepMs: number): void {
    const { batchSize } = this.settings;
    const values = (reports.done.get(0) ?? [...reports.done.values()][0])?.values ?? {};
    const metrics: StepMetrics = { ...stepMetricsFromValues(step, values, this.clock.date()), stepMs, samplesPerSecond: (batchSize * 1000) / stepMs };
    try {
      this.outputs.metrics.write(metrics);
    } catch (error) {
      throw new OutputWriteError(`Stopping: the metrics of step ${step} could not be written. ${(error as Error).message}`);
    }
    this.finished.push(metrics);
    this.events?.stepFinished(metrics, reports.done);
    this.progress.update(metrics);
  }

  /** `grant`: where a STEP_DONE of a later step of the grant is kept until its step comes (another rank's report of this step may still be on its way). */
  private async onTrainingMessage(incoming: Incoming, step: number, reports: StepReports, grant?: Grant): Promise<void> {
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
    if (header.rank === rank && grant !== undefined && header.step > step && header.step <= grant.through) {
      const early = grant.early.get(header.step) ?? new Map<number, StepDoneHeader>();
      grant.early.set(header.step, early.set(rank, header));
      return;
    }
    if (header.rank !== rank || header.step !== step) {
      throw new WorkerFailedError(
        `Worker ${member.hello.workerId} (rank ${rank}) sent ${header.type} for rank ${header.rank}, step ${header.step} during step ${step}; the job is out of step.`,
      );
    }
    reports.done.set(rank, header);
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
