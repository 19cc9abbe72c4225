import {
  type CoordinatorSocket,
  type PayloadInit,
  type StateHeader,
  type Envelope,
  type HelloHeader,
  type Incoming,
  type MessageInit,
  type PeerId,
  PeerUnreachableError,
  StarAggregator,
  WaitAbortedError,
  WaitTimeoutError,
  isEnvelopeOf,
  type MetricsHeader,
  type SamplesHeader,
  type WeightsHeader,
} from '@ganglion/comm';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { StepMetrics } from '../metrics-sink';
import type { PipelineSettings } from '../pipeline-definition';
import type { ProgressReporter } from '../progress/progress-reporter';
import type { VerifiedCheckpoint } from '../checkpoints/checkpoint-reader';
import { ChecksumMismatchError, CoordinatorInterruptedError, JoinTimeoutError, WorkerFailedError } from './coordinator-errors';
import type { CoordinatorCheckpoints } from './coordinator-checkpoints';
import { CoordinatorMembers, describeWorker, type Member } from './coordinator-members';
import { stateMessage, type StatePosition } from './state-message';
import type { CoordinatorOutputs } from './coordinator-outputs';
import { curveKeyRefusal, ringPeerKeys } from './curve-admission';
import { stepMetricsFromValues } from './step-metrics-values';
import { meanLosses, median, roundToTenth } from '../step-statistics';
import type { CoordinatorEvents } from '../dashboard/coordinator-events';

export interface CoordinatorOptions {
  /** The pipeline every worker must train: its file, the file's sha256 and the resolved settings (overrides applied). */
  readonly pipeline: { readonly file: string; readonly hash: string; readonly settings: PipelineSettings };
  /** Number of workers the job waits for before the first step. */
  readonly workers: number;
  /** Fail when fewer than `workers` joined, or they did not all get ready, within this many ms. */
  readonly joinTimeoutMs: number;
  /** Fewest workers to train with after one was lost; below it the coordinator waits `rejoinTimeoutMs` for more. Default `workers`. */
  readonly minWorkers?: number;
  /** Most workers at once; a worker joining a running job beyond it is refused ('job-full'). Default `workers`. */
  readonly maxWorkers?: number;
  /** Below `minWorkers`, wait this long for workers to (re)join before failing. Default 60000. */
  readonly rejoinTimeoutMs?: number;
  /** First step to train (without `resume`). Default 0. */
  readonly startStep?: number;
  /** Continue from this checkpoint: every worker gets its STATE after WELCOME and training starts at its step. */
  readonly resume?: VerifiedCheckpoint;
  /** Writes the checkpoints rank 0 sends (every `checkpointEvery` steps and at the end). Without it none are written. */
  readonly checkpoints?: CoordinatorCheckpoints;
  /** HEARTBEAT to every worker this often (a send to a gone worker fails: that is how deaths are noticed). Default 2000. */
  readonly heartbeatIntervalMs?: number;
  /** After the last step, wait this long for rank 0's final weights. Default 300000. */
  readonly finishTimeoutMs?: number;
  /** Stops the run: every worker gets SHUTDOWN and run() rejects with the signal's reason (or CoordinatorInterruptedError). */
  readonly signal?: AbortSignal;
  /**
   * Shows progress instead of the plain `step n/steps ...` log line every
   * `logEvery` steps (e.g. a BarProgressReporter on a terminal). Without
   * it, the coordinator logs those lines.
   */
  readonly progress?: ProgressReporter;
  /** Told of joins, losses, generations, messages, steps and sample grids as they happen (the live dashboard). */
  readonly events?: CoordinatorEvents;
}

/** What a finished run reports. */
export interface CoordinatorResult {
  readonly steps: number;
  readonly worldSize: number;
  readonly reducer: string;
  /** Mean losses over the global batch at the first step and over the last `logEvery` steps. */
  readonly firstLosses: Readonly<Record<string, number>>;
  readonly finalLosses: Readonly<Record<string, number>>;
  /** Median wall time from STEP to the last STEP_DONE. */
  readonly medianStepMs: number;
  /** Median time rank 0 spent reducing per step. */
  readonly medianReduceMs: number;
  /** Steps at which every rank's weight checksum was compared (and matched). */
  readonly checksumSteps: readonly number[];
  readonly samples: readonly string[];
  readonly finalWeights: string | undefined;
}

interface StepReports {
  readonly metrics: Map<number, MetricsHeader>;
  readonly checksums: Map<number, string>;
  readonly done: Set<number>;
}

/** Where the workers' state comes from when a generation is formed. */
type StateSource = 'fresh' | 'checkpoint' | 'rank0';

/** Membership changed while training: the step loop stops and the group is formed again. */
class MembershipChange extends Error {
  override readonly name = 'MembershipChange';
}

/**
 * The coordinator of a data-parallel job. It holds the barrier, averages
 * gradients for the star reducer, writes what the run produces and keeps
 * the job going when workers come and go; it never computes with tfjs.
 * The protocol (message by message in @ganglion/comm's messages.ts), as
 * this class runs it:
 *
 * 1. Admission. Every HELLO is checked: protocol version (a message that
 *    does not decode gets ERROR with the decoder's reason), pipeline hash
 *    (ERROR 'pipeline-mismatch' unless it equals ours or is null), a ring
 *    endpoint when the reducer is 'ring', a free place (ERROR 'job-full'
 *    beyond `workers` before training, `maxWorkers` during it). An
 *    admitted worker gets a HEARTBEAT at once, so it knows it was heard; a
 *    repeated HELLO from the same process is only acknowledged again.
 * 2. Forming a generation, when `workers` are admitted (later: after a
 *    loss, or at the step boundary after a worker joined): generation
 *    += 1 (above any generation a HELLO reported, so workers that
 *    outlived an earlier coordinator accept it), ranks = survivors in
 *    their old order, then joiners; WELCOME to each (rank, world size,
 *    generation, seed, start step, pipeline path + hash + settings,
 *    reducer, ring peers, syncState).
 * 3. State. Fresh job: no STATE, every worker starts from the seeded
 *    initial weights. `resume`: the checkpoint's STATE to every rank.
 *    After a membership change: rank 0 (a survivor) sends its STATE and
 *    the coordinator forwards it to every other rank, so all hold the
 *    same weights, optimizer and position, whatever each had applied of
 *    the interrupted step; training continues at rank 0's position (the
 *    interrupted step, or the remaining phases of it). Each worker loads
 *    it and answers RING_READY. A worker that fails there (ERROR) is
 *    dropped and the generation formed again. Bounded by `joinTimeoutMs`.
 * 4. Per step: STEP to every rank (checksum: true every `checksumEvery`
 *    steps and at the last); GRADS go to the StarAggregator as they come;
 *    each rank reports METRICS, CHECKSUM when asked, then STEP_DONE. With
 *    every STEP_DONE in: compare the checksums (a mismatch stops the
 *    run), write rank 0's metrics (its losses are the global means) to
 *    metrics.jsonl. SAMPLES from rank 0 are written as grids, STATE from
 *    rank 0 as checkpoints (CoordinatorCheckpoints), whenever they arrive.
 * 5. Membership change during training. A worker is gone when a send to
 *    it fails (ROUTER `mandatory`): killed, or dropped by the ZMTP
 *    heartbeat timeout when hung. The coordinator logs which worker,
 *    drops it, aborts the step (the new generation makes everything of
 *    the old one stale: StarAggregator.setMembership forgets partial
 *    sums, workers abandon their reduction) and forms a new generation
 *    (2-3) with the survivors. Below `minWorkers` it waits up to
 *    `rejoinTimeoutMs` for workers to (re)join, then fails. A worker
 *    joining mid-run is admitted at the next step boundary the same way.
 * 6. After the last step: wait for rank 0's final STATE (the last
 *    checkpoint) and WEIGHTS, write them.
 * 7. SHUTDOWN to every worker: at the end, on failure (ERROR from a
 *    worker, a checksum mismatch, too few workers), or on the abort signal.
 * Throughout, HEARTBEAT to every worker every `heartbeatIntervalMs`.
 */
export class Coordinator {
  private readonly aggregator: StarAggregator;
  private readonly members = new CoordinatorMembers();
  private generation = 0;
  /** Highest generation a HELLO reported (a worker that outlived an earlier coordinator). */
  private helloGeneration = 0;
  private training = false;
  private failure: Error | undefined;
  private readonly samples: string[] = [];
  private finalWeights: Envelope<WeightsHeader> | undefined;
  /** The newest checkpoint: the one resumed from, then each one written. */
  private latestCheckpoint: VerifiedCheckpoint | undefined;
  /** The step a membership change interrupted, with what its ranks had reported. */
  private interrupted: { readonly step: number; readonly reports: StepReports; readonly started: number } | undefined;
  /** The STATE rank 0 sent for the generation being formed. */
  private pendingState: Envelope<StateHeader> | undefined;

  constructor(
    private readonly socket: CoordinatorSocket,
    private readonly options: CoordinatorOptions,
    private readonly outputs: CoordinatorOutputs,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    const { workers, minWorkers = workers, maxWorkers = workers } = options;
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(`The job needs at least one worker, got ${workers}.`);
    }
    if (!Number.isInteger(minWorkers) || minWorkers < 1 || minWorkers > workers) {
      throw new RangeError(`--min-workers must be between 1 and --workers (${workers}), got ${minWorkers}.`);
    }
    if (!Number.isInteger(maxWorkers) || maxWorkers < workers) {
      throw new RangeError(`--max-workers must be at least --workers (${workers}), got ${maxWorkers}.`);
    }
    this.aggregator = new StarAggregator(socket);
    this.latestCheckpoint = options.resume;
  }

  private get settings(): PipelineSettings {
    return this.options.pipeline.settings;
  }

  private get minWorkers(): number {
    return this.options.minWorkers ?? this.options.workers;
  }

  private get maxWorkers(): number {
    return this.options.maxWorkers ?? this.options.workers;
  }

  private get interval(): number {
    return this.options.heartbeatIntervalMs ?? 2000;
  }

  async run(): Promise<CoordinatorResult> {
    const heartbeat = setInterval(() => void this.beat(), this.interval);
    const unroute = this.socket.route('GRADS', (incoming) => this.onGrads(incoming.peer, incoming.envelope));
    try {
      const result = await this.runJob();
      await this.shutdownAll('training finished');
      return result;
    } catch (error) {
      const failure = this.explain(error);
      await this.shutdownAll(failure instanceof CoordinatorInterruptedError ? `interrupted: ${failure.message}` : `the job failed: ${failure.message}`);
      throw failure;
    } finally {
      clearInterval(heartbeat);
      unroute();
    }
  }

  private async runJob(): Promise<CoordinatorResult> {
    const { workers } = this.options;
    const { distributed, steps, logEvery } = this.settings;
    this.logger.info(
      { endpoint: this.socket.endpoint, workers, reducer: distributed.reducer },
      `waiting for ${workers} worker${workers === 1 ? '' : 's'} at ${this.socket.endpoint} (reducer ${distributed.reducer}${distributed.fp16 ? ', fp16' : ''})`,
    );
    const resume = this.options.resume;
    let source: StateSource = resume === undefined ? 'fresh' : 'checkpoint';
    let position: StatePosition = { step: resume?.state.step ?? this.options.startStep ?? 0, phase: 0 };
    const history: StepMetrics[] = [];
    const checksumSteps: number[] = [];
    let worldSize = 0;
    try {
      for (;;) {
        position = await this.form(source, position);
        const interrupted = this.interrupted;
        this.interrupted = undefined;
        if (interrupted !== undefined && position.step > interrupted.step && interrupted.reports.metrics.size > 0) {
          // Rank 0 had finished the step the change interrupted: it is not redone, its metrics are written now.
          this.recordStep(interrupted.step, interrupted.reports, this.clock.now() - interrupted.started, history);
        }
        worldSize = this.members.ranked.length;
        if (!this.training) this.startTraining(position.step);
        const start = position.step;
        const historyBefore = history.length;
        try {
          await this.trainSteps(position.step, history, checksumSteps);
          break;
        } catch (error) {
          if (!(error instanceof MembershipChange)) throw error;
          source = 'rank0';
          // Rank 0's STATE says exactly where; the WELCOME names the last step every rank completed.
          position = { step: start + history.length - historyBefore, phase: 0 };
        }
      }
    } finally {
      this.options.progress?.stop();
    }
    await this.awaitFinalWeights(steps);
    const recent = history.slice(-logEvery);
    return {
      steps: history.length,
      worldSize,
      reducer: distributed.reducer,
      firstLosses: history[0]?.losses ?? {},
      finalLosses: meanLosses(recent),
      medianStepMs: median(history.map((m) => m.stepMs)),
      medianReduceMs: median(history.map((m) => m.reduceMs ?? 0)),
      checksumSteps,
      samples: [...this.samples],
      finalWeights: this.writeFinalWeights(),
    };
  }

  private startTraining(start: number): void {
    this.training = true;
    const { steps, distributed, batchSize } = this.settings;
    const worldSize = this.members.ranked.length;
    this.logger.info(
      { worldSize, reducer: distributed.reducer, bucketBytes: distributed.bucketBytes, fp16: distributed.fp16, steps, batchSize },
      `training ${this.settings.name}: ${worldSize} worker${worldSize === 1 ? '' : 's'}, reducer ${distributed.reducer}${distributed.fp16 ? ' (fp16)' : ''}, ` +
        `global batch ${batchSize}, steps ${start}..${steps - 1}`,
    );
    this.options.progress?.start(steps, start);
  }

  // ---- 1: admission -------------------------------------------------------

  private async onHello(peer: PeerId, hello: HelloHeader): Promise<void> {
    const { pipeline, workers } = this.options;
    const who = describeWorker(hello);
    const refuse = async (code: string, reason: string): Promise<void> => {
      this.logger.warn({ worker: hello.workerId, host: hello.host, code }, `refused worker ${who}: ${reason}`);
      await this.trySend(peer, { type: 'ERROR', generation: this.generation, step: 0, code, reason, fatal: true });
    };
    if (hello.pipelineHash !== null && hello.pipelineHash !== pipeline.hash) {
      return refuse(
        'pipeline-mismatch',
        `Your pipeline file differs from the coordinator's ${pipeline.file} (sha256 ${hello.pipelineHash.slice(0, 12)} vs ${pipeline.hash.slice(0, 12)}). ` +
          'The files differ: deploy the same code on every machine.',
      );
    }
    if (this.settings.distributed.reducer === 'ring' && hello.ringEndpoint === null) {
      return refuse('no-ring-endpoint', 'This job reduces over a ring: the worker must bind a ring socket and announce it in HELLO (ringEndpoint).');
    }
    const existing = this.members.memberOf(peer);
    if (existing !== undefined) {
      if (existing.hello.pid === hello.pid && existing.hello.host === hello.host) {
        // The same process again (its HELLO was queued while it reconnected): acknowledge only.
        await this.trySend(peer, { type: 'HEARTBEAT', generation: this.generation, step: 0, sentAtMs: Date.now() });
        return;
      }
      return refuse('duplicate-worker', `A worker with id "${hello.workerId}" already joined; give each worker a distinct --worker-id.`);
    }
    const keyRefusal = curveKeyRefusal(hello, this.socket);
    if (keyRefusal !== undefined) return refuse(keyRefusal.code, keyRefusal.reason);
    const limit = this.training ? this.maxWorkers : workers;
    if (this.members.count >= limit) {
      return refuse('job-full', `The job already has its ${limit} worker${limit === 1 ? '' : 's'}${this.training ? ' and is training' : ''}; start a new job or raise ${this.training ? '--max-workers' : '--workers'}.`);
    }
    this.helloGeneration = Math.max(this.helloGeneration, hello.generation);
    this.members.admit(peer, hello);
    this.options.events?.memberJoined(hello);
    await this.trySend(peer, { type: 'HEARTBEAT', generation: this.generation, step: 0, sentAtMs: Date.now() });
    this.logger.info(
      { worker: hello.workerId, host: hello.host, pid: hello.pid, backend: hello.backend, devices: hello.devices },
      `worker ${who} joined with backend ${hello.backend}${hello.devices.length > 0 ? ` on ${hello.devices.join(',')}` : ''} ` +
        (this.training ? `mid-run; it gets a rank at the next step boundary (${this.members.count} workers)` : `(${this.members.count}/${workers})`),
    );
  }

  /** Drops the members reported gone, logging each. True when any was dropped. */
  private dropGone(): boolean {
    const gone = this.members.takeGone();
    for (const { member, reason } of gone) this.drop(member, reason);
    return gone.length > 0;
  }

  private drop(member: Member, reason: string): void {
    const rank = this.members.remove(member);
    this.options.events?.memberLost(member.hello.workerId, reason);
    const { hello } = member;
    const where = rank >= 0 ? `rank ${rank} of generation ${this.generation}` : 'not yet ranked';
    const remaining = this.members.count;
    this.logger.error(
      { worker: hello.workerId, host: hello.host, pid: hello.pid, rank, generation: this.generation, reason },
      this.training
        ? `worker ${hello.workerId} (${where}, on ${hello.host}, pid ${hello.pid}) left the job: ${reason}. ${remaining} worker${remaining === 1 ? '' : 's'} remain${remaining === 1 ? 's' : ''}.`
        : `worker ${hello.workerId} (${hello.host}, pid ${hello.pid}) dropped out before training: ${reason}. Waiting for another worker (${remaining}/${this.options.workers}).`,
    );
  }

  // ---- 2-3: forming a generation -----------------------------------------

  /** Forms a new generation from the workers there are and brings every rank to the same state; returns where training continues. */
  private async form(source: StateSource, position: StatePosition): Promise<StatePosition> {
    for (;;) {
      this.dropGone();
      await this.awaitEnoughWorkers();
      this.members.promoteJoining();
      const ranked = this.members.ranked;
      let from = source;
      if (from === 'rank0' && !(ranked[0]?.hasState ?? false)) {
        const holder = ranked.findIndex((m) => m.hasState);
        if (holder > 0) ranked.unshift(...ranked.splice(holder, 1));
        else if (this.latestCheckpoint !== undefined) from = 'checkpoint';
        else throw new WorkerFailedError('Every worker that held the training state is gone and no checkpoint was written yet; restart the job.');
      }
      if (from === 'checkpoint') position = { step: (this.latestCheckpoint as VerifiedCheckpoint).state.step, phase: 0 };
      await this.welcomeAll(from, position.step);
      const formed = await this.syncState(from, position);
      if (formed !== undefined) {
        for (const member of this.members.ranked) member.hasState = true;
        return formed;
      }
    }
  }

  /** Waits until enough workers are admitted: `workers` before training, `minWorkers` after a loss. */
  private async awaitEnoughWorkers(): Promise<void> {
    const required = this.training ? this.minWorkers : this.options.workers;
    if (this.members.count >= required) return;
    const timeoutMs = this.training ? (this.options.rejoinTimeoutMs ?? 60_000) : this.options.joinTimeoutMs;
    if (this.training) {
      this.logger.warn(
        { workers: this.members.count, minWorkers: required, waitMs: timeoutMs },
        `only ${this.members.count} worker${this.members.count === 1 ? '' : 's'} left, below --min-workers ${required}: waiting up to ${Math.round(timeoutMs / 1000)} s for workers to join (\`ganglion worker --connect ${this.socket.endpoint}\`)`,
      );
    }
    const deadline = this.clock.now() + timeoutMs;
    while (this.members.count < required) {
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) throw this.tooFew(required, timeoutMs);
      const incoming = await this.next(Math.min(remaining, this.interval));
      if (incoming !== undefined) await this.onFormingMessage(incoming, -1);
      this.dropGone();
    }
  }

  private async welcomeAll(source: StateSource, step: number): Promise<void> {
    this.generation = Math.max(this.generation, this.helloGeneration) + 1;
    const { pipeline } = this.options;
    const { distributed, seed } = this.settings;
    const ranked = this.members.ranked;
    const worldSize = ranked.length;
    const peers = distributed.reducer === 'ring' ? ranked.map((m) => m.hello.ringEndpoint as string) : [];
    this.aggregator.setMembership(this.generation, ranked.map((m) => m.peer));
    this.options.events?.generationChanged(this.generation, ranked.map((m) => m.hello.workerId));
    for (const [rank, member] of ranked.entries()) {
      member.readyFor = -1;
      const syncState = source === 'fresh' ? undefined : source === 'rank0' && rank === 0 ? 'send' : 'receive';
      await this.trySend(member.peer, {
        type: 'WELCOME',
        generation: this.generation,
        step,
        rank,
        worldSize,
        seed,
        pipeline: { path: pipeline.file, hash: pipeline.hash, options: this.settings as unknown as Record<string, unknown> },
        reducer: { name: distributed.reducer, bucketBytes: distributed.bucketBytes, fp16: distributed.fp16 },
        peers,
        ...ringPeerKeys(this.socket, distributed.reducer, ranked),
        ...(syncState === undefined ? {} : { syncState }),
      });
    }
    const ranks = ranked.map((m, rank) => `${rank}=${m.hello.workerId}`).join(' ');
    const how = source === 'rank0' ? `; rank 0 (${ranked[0].hello.workerId}) sends its state to the others` : source === 'checkpoint' ? `; state from ${this.latestCheckpoint?.folder}` : '';
    this.logger.info(
      { generation: this.generation, ranks: ranked.map((m) => m.hello.workerId), step, stateFrom: source },
      `generation ${this.generation}: ${worldSize} worker${worldSize === 1 ? '' : 's'}, ranks ${ranks}, from step ${step}${how}`,
    );
  }

  /**
   * Step 3: gets the state to every rank and waits for all to be ready.
   * Returns where training continues, or undefined when membership changed
   * meanwhile (the caller forms the next generation).
   */
  private async syncState(source: StateSource, position: StatePosition): Promise<StatePosition | undefined> {
    const ranked = this.members.ranked;
    const generation = this.generation;
    let at = position;
    let state: { readonly header: StateHeader; readonly frames: readonly Buffer[] } | undefined;
    if (source === 'checkpoint') {
      const checkpoint = this.latestCheckpoint as VerifiedCheckpoint;
      const { init, payload } = stateMessage(checkpoint.files, { generation, rank: 0, step: checkpoint.state.step, phase: 0 });
      for (const member of ranked) await this.trySend(member.peer, init, payload);
    }
    const deadline = this.clock.now() + this.options.joinTimeoutMs;
    for (;;) {
      if (this.dropGone()) return undefined;
      if (source === 'rank0' && state === undefined) {
        state = this.takeSyncState(generation);
        if (state !== undefined) {
          at = { step: state.header.step, phase: state.header.phase };
          const { type: _type, protocol: _protocol, payload: _payload, ...fields } = state.header;
          for (const member of ranked.slice(1)) {
            await this.trySend(member.peer, { type: 'STATE', ...fields, generation, rank: 0 }, { dtype: 'f32', encoded: state.frames });
          }
          this.logger.info(
            { generation, step: at.step, phase: at.phase, to: ranked.length - 1 },
            `generation ${generation}: rank 0's state (step ${at.step}${at.phase > 0 ? `, ${at.phase} phase${at.phase === 1 ? '' : 's'} of it applied` : ''}) sent to ${ranked.length - 1} other rank${ranked.length === 2 ? '' : 's'}`,
          );
        }
      }
      if ((source !== 'rank0' || state !== undefined) && ranked.every((m) => m.readyFor === generation)) return at;
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) throw this.notReady();
      const incoming = await this.next(Math.min(remaining, this.interval));
      if (incoming !== undefined && (await this.onFormingMessage(incoming, generation))) return undefined;
    }
  }

  /** Rank 0's STATE for `generation`, once it arrived. */
  private takeSyncState(generation: number): Envelope<StateHeader> | undefined {
    const state = this.pendingState;
    if (state === undefined || state.header.generation !== generation) return undefined;
    this.pendingState = undefined;
    return state;
  }

  /** A message while forming (generation -1: waiting for workers). True when a member dropped out (form again). */
  private async onFormingMessage(incoming: Incoming, generation: number): Promise<boolean> {
    if (!incoming.ok) {
      await this.refuseUndecodable(incoming);
      return false;
    }
    const { envelope, peer } = incoming;
    if (isEnvelopeOf(envelope, 'HELLO')) {
      await this.onHello(peer, envelope.header);
      return false;
    }
    const member = this.members.memberOf(peer);
    if (member === undefined) {
      await this.refuseStranger(peer, envelope.header.type);
      return false;
    }
    this.options.events?.messageFrom(member.hello.workerId);
    const { header } = envelope;
    if (header.type === 'RING_READY') {
      if (header.generation === generation) member.readyFor = generation;
    } else if (header.type === 'STATE') {
      if (header.generation === generation && member === this.members.ranked[0]) this.pendingState = envelope as Envelope<StateHeader>;
    } else if (header.type === 'ERROR') {
      this.drop(member, this.training ? `it failed while getting ready: ${header.code}: ${header.reason}` : `${header.code}: ${header.reason}`);
      return true;
    }
    return false;
  }

  private tooFew(required: number, timeoutMs: number): JoinTimeoutError {
    const seconds = Math.round(timeoutMs / 1000);
    if (!this.training) {
      return new JoinTimeoutError(
        `Only ${this.members.count} of ${required} workers joined within ${seconds} s. Start the missing workers with ` +
          `\`ganglion worker --connect ${this.socket.endpoint}\` (from another machine: this machine's address), lower --workers, or raise --join-timeout.`,
      );
    }
    return new JoinTimeoutError(
      `Only ${this.members.count} worker${this.members.count === 1 ? '' : 's'} left, below --min-workers ${required}, and none joined within ${seconds} s (--rejoin-timeout). ` +
        `Stopping; the last checkpoint is ${this.latestCheckpoint?.folder ?? 'none'}: continue with --resume once workers are back, or lower --min-workers.`,
    );
  }

  private notReady(): JoinTimeoutError {
    const late = this.members.ranked.filter((m) => m.readyFor !== this.generation).map((m) => m.hello.workerId);
    return new JoinTimeoutError(
      `All ${this.members.ranked.length} workers joined but ${late.join(', ')} did not get ready (load the pipeline, data, model and state) within ${Math.round(this.options.joinTimeoutMs / 1000)} s.`,
    );
  }

  // ---- 4-6: training ----------------------------------------------------

  /** Step 4 for steps `start`..steps-1: appends each step's metrics to `history` and each checked step to `checksumSteps`. Throws MembershipChange. */
  private async trainSteps(start: number, history: StepMetrics[], checksumSteps: number[]): Promise<void> {
    const { steps, logEvery, distributed, batchSize } = this.settings;
    const { checksumEvery } = distributed;
    const { progress } = this.options;
    const worldSize = this.members.ranked.length;
    for (let step = start; step < steps; step++) {
      if (this.members.joining.length > 0) throw new MembershipChange(`${this.members.joining.map((m) => m.hello.workerId).join(', ')} joined`);
      const checksum = (step + 1) % checksumEvery === 0 || step + 1 === steps;
      const started = this.clock.now();
      const reports: StepReports = { metrics: new Map(), checksums: new Map(), done: new Set() };
      for (const member of this.members.ranked) {
        await this.trySend(member.peer, { type: 'STEP', generation: this.generation, step, checksum });
      }
      while (reports.done.size < worldSize) {
        if (this.members.hasGone) {
          this.interrupted = { step, reports, started };
          throw new MembershipChange('a worker is gone');
        }
        const incoming = await this.next(this.interval);
        if (incoming !== undefined) await this.onTrainingMessage(incoming, step, reports);
      }
      const stepMs = this.clock.now() - started;
      if (checksum) {
        this.compareChecksums(step, reports.checksums);
        checksumSteps.push(step);
      }
      this.recordStep(step, reports, stepMs, history);
    }
  }

  /** Writes a finished step's metrics (rank 0's, whose losses are the global means: every rank reports the same reduced losses). */
  private recordStep(step: number, reports: StepReports, stepMs: number, history: StepMetrics[]): void {
    const { steps, logEvery, batchSize } = this.settings;
    const { progress } = this.options;
    const values = (reports.metrics.get(0) ?? [...reports.metrics.values()][0])?.values ?? {};
    const metrics: StepMetrics = { ...stepMetricsFromValues(step, values, this.clock.date()), stepMs, samplesPerSecond: (batchSize * 1000) / stepMs };
    this.outputs.metrics.write(metrics);
    history.push(metrics);
    this.options.events?.stepFinished(metrics, reports.metrics);
    const done = step + 1;
    if (progress !== undefined) progress.update(metrics);
    else if (done % logEvery === 0 || done === steps) this.logProgress(done, history.slice(-logEvery));
  }

  private async onTrainingMessage(incoming: Incoming, step: number, reports: StepReports): Promise<void> {
    if (!incoming.ok) {
      await this.refuseUndecodable(incoming);
      return;
    }
    const { envelope, peer } = incoming;
    if (isEnvelopeOf(envelope, 'HELLO')) {
      await this.onHello(peer, envelope.header);
      return;
    }
    const member = this.members.memberOf(peer);
    if (member === undefined) {
      await this.refuseStranger(peer, envelope.header.type);
      return;
    }
    const rank = this.members.rankOf(member);
    this.options.events?.messageFrom(member.hello.workerId);
    const { header } = envelope;
    if (header.type === 'ERROR') {
      throw new WorkerFailedError(`Worker ${member.hello.workerId} (rank ${rank} on ${member.hello.host}) failed: ${header.reason}`);
    }
    if (header.generation !== this.generation || rank < 0) return;
    if (header.type === 'SAMPLES') {
      this.writeSamples(envelope as Envelope<SamplesHeader>);
      return;
    }
    if (header.type === 'WEIGHTS') {
      this.finalWeights = envelope as Envelope<WeightsHeader>;
      return;
    }
    if (header.type === 'STATE') {
      if (rank === 0) this.writeCheckpoint(envelope as Envelope<StateHeader>);
      return;
    }
    if (header.type !== 'METRICS' && header.type !== 'CHECKSUM' && header.type !== 'STEP_DONE') return;
    if (header.rank !== rank || header.step !== step) {
      throw new WorkerFailedError(
        `Worker ${member.hello.workerId} (rank ${rank}) sent ${header.type} for rank ${header.rank}, step ${header.step} during step ${step}; the job is out of step.`,
      );
    }
    if (header.type === 'METRICS') reports.metrics.set(rank, header);
    else if (header.type === 'CHECKSUM') reports.checksums.set(rank, header.value);
    else reports.done.add(rank);
  }

  private writeCheckpoint(envelope: Envelope<StateHeader>): void {
    const { checkpoints } = this.options;
    if (checkpoints === undefined || envelope.header.phase !== 0) return;
    try {
      this.latestCheckpoint = checkpoints.write(envelope);
    } catch (error) {
      this.logger.error({ step: envelope.header.step, error: (error as Error).message }, `could not write the checkpoint of step ${envelope.header.step}: ${(error as Error).message}`);
    }
  }

  private compareChecksums(step: number, checksums: ReadonlyMap<number, string>): void {
    const values = this.members.ranked.map((_, rank) => checksums.get(rank));
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

  private async awaitFinalWeights(steps: number): Promise<void> {
    const timeoutMs = this.options.finishTimeoutMs ?? 300_000;
    const deadline = this.clock.now() + timeoutMs;
    const rank0 = this.members.ranked[0];
    while (this.finalWeights === undefined) {
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) throw new WorkerFailedError(`Rank 0 did not send its final weights within ${Math.round(timeoutMs / 1000)} s of step ${steps}.`);
      const incoming = await this.next(Math.min(remaining, this.interval));
      if (incoming !== undefined) await this.onTrainingMessage(incoming, steps, { metrics: new Map(), checksums: new Map(), done: new Set() });
      for (const { member, reason } of this.members.takeGone()) {
        this.drop(member, reason);
        if (member === rank0) throw new WorkerFailedError(`Rank 0 (${member.hello.workerId}) left before sending the final weights: ${reason}.`);
      }
    }
  }

  private writeSamples(envelope: Envelope<SamplesHeader>): void {
    const { step, count, height, width, channels, pixelRange } = envelope.header;
    const file = this.outputs.writeSamples(step, { count, height, width, channels, pixelRange, pixels: envelope.payload[0] });
    this.samples.push(file);
    this.options.events?.samplesWritten(step, file);
    this.logger.info({ step, file }, `sample grid ${file}`);
  }

  private writeFinalWeights(): string | undefined {
    if (this.finalWeights === undefined) return undefined;
    const { header, payload } = this.finalWeights;
    const weights = header.names.map((name, i) => ({ name, shape: header.shapes[i], values: payload[i] }));
    const file = this.outputs.writeFinalWeights(header.step, weights);
    this.logger.info({ file, tensors: weights.length }, `final weights ${file}`);
    return file;
  }

  private logProgress(done: number, recent: readonly StepMetrics[]): void {
    const { steps, distributed, batchSize } = this.settings;
    const losses = meanLosses(recent);
    const stepMs = median(recent.map((m) => m.stepMs));
    const reduceMs = median(recent.map((m) => m.reduceMs ?? 0));
    const lossText = Object.entries(losses)
      .map(([phase, loss]) => `${phase}=${loss.toFixed(4)}`)
      .join(' ');
    const worldSize = this.members.ranked.length;
    this.logger.info(
      { step: done, steps, losses, stepMs: roundToTenth(stepMs), reduceMs: roundToTenth(reduceMs), samplesPerSecond: roundToTenth((batchSize * 1000) / stepMs), worldSize, reducer: distributed.reducer },
      `step ${done}/${steps} loss ${lossText} ${stepMs.toFixed(0)} ms/step, reduce ${reduceMs.toFixed(1)} ms/step [${distributed.reducer}, world size ${worldSize}]`,
    );
  }

  // ---- plumbing ---------------------------------------------------------

  /** The next message, or undefined after `timeoutMs`; throws a recorded failure or the interruption. */
  private async next(timeoutMs: number): Promise<Incoming | undefined> {
    if (this.failure !== undefined) throw this.failure;
    try {
      return await this.socket.receive({ timeoutMs, signal: this.options.signal });
    } catch (error) {
      if (error instanceof WaitTimeoutError) return undefined;
      if (error instanceof WaitAbortedError) throw this.interruption();
      throw error;
    } finally {
      if (this.failure !== undefined) throw this.failure;
    }
  }

  private async beat(): Promise<void> {
    for (const member of this.members.all) {
      try {
        await this.socket.send(member.peer, { type: 'HEARTBEAT', generation: this.generation, step: 0, sentAtMs: Date.now() });
      } catch (error) {
        if (error instanceof PeerUnreachableError) this.members.reportGone(member.peer, GONE_REASON);
      }
    }
  }

  private onGrads(peer: PeerId, envelope: Envelope): void {
    if (!isEnvelopeOf(envelope, 'GRADS')) return;
    // Only the peer admitted for a rank may send its gradients: a stranger's GRADS never reach the aggregator (nor fail the job).
    if (this.members.memberOf(peer) === undefined) {
      void this.refuseStranger(peer, `GRADS claiming rank ${envelope.header.rank}`);
      return;
    }
    void this.aggregator.accept(peer, envelope).then(
      (result) => {
        if (result.status === 'refused' && result.error.code !== 'stale-generation') {
          this.failure ??= new WorkerFailedError(`Gradients from ${JSON.stringify(peer)} were refused: ${result.error.message}`);
        } else if (result.status === 'reduced') {
          for (const { peer: gone } of result.failed) this.members.reportGone(gone, GONE_REASON);
        }
      },
      (error: unknown) => {
        this.failure ??= new WorkerFailedError(`Averaging gradients failed: ${(error as Error).message}`);
      },
    );
  }

  /** A well-formed message from a peer that is not a worker of this job: logged and dropped; a dropped worker is told to stop. */
  private async refuseStranger(peer: PeerId, what: string): Promise<void> {
    if (this.members.wasDropped(peer)) {
      this.logger.warn({ peer, refused: what }, `refused ${what} from ${JSON.stringify(peer)}: it was dropped from the job; told it to stop`);
      await this.trySend(peer, {
        type: 'ERROR',
        generation: this.generation,
        step: 0,
        code: 'dropped',
        reason: `This worker was dropped from the job (it stopped answering or its connection failed) and the others went on without it; restart it to rejoin.`,
        fatal: true,
      });
      return;
    }
    this.logger.warn({ peer, refused: what }, `refused ${what} from ${JSON.stringify(peer)}: it is not a worker of this job; dropped`);
  }

  private async refuseUndecodable(incoming: Incoming & { ok: false }): Promise<void> {
    const { error, peer } = incoming;
    this.logger.warn({ peer, code: error.code }, `refused a message from ${JSON.stringify(peer)}: ${error.message}`);
    await this.trySend(peer, { type: 'ERROR', generation: this.generation, step: 0, code: error.code, reason: error.message, fatal: true });
    if (this.training && this.members.memberOf(peer) !== undefined) {
      throw new WorkerFailedError(`Worker ${JSON.stringify(peer)} sent a message the coordinator cannot read: ${error.message}`);
    }
  }

  private async trySend(peer: PeerId, init: MessageInit, payload?: PayloadInit): Promise<boolean> {
    try {
      await this.socket.send(peer, init, payload);
      return true;
    } catch (error) {
      if (error instanceof PeerUnreachableError) {
        this.members.reportGone(peer, GONE_REASON);
        return false;
      }
      throw error;
    }
  }

  private async shutdownAll(reason: string): Promise<void> {
    await Promise.allSettled(
      this.members.all.map((member) => this.socket.send(member.peer, { type: 'SHUTDOWN', generation: this.generation, step: 0, reason })),
    );
    // linger is 0: let the I/O thread put the SHUTDOWNs on the wire before the caller closes the socket.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  private interruption(): Error {
    const reason: unknown = this.options.signal?.reason;
    if (reason instanceof Error) return reason;
    return new CoordinatorInterruptedError(typeof reason === 'string' ? reason : 'the run was interrupted');
  }

  private explain(error: unknown): Error {
    if (error instanceof WaitAbortedError) return this.interruption();
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** Why a worker counts as gone when a send to it fails. */
const GONE_REASON = 'it is unreachable (the process died, or it stopped answering past --worker-timeout and its connection was dropped)';
