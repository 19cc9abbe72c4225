import type { CoordinatorSocket, Envelope, Incoming, StarAggregator, StateHeader } from '@ganglion/comm';
import { type PipelineSettings, stateMessage, type StatePosition, type VerifiedCheckpoint } from '@ganglion/pipeline';
import { JoinTimeoutError, WorkerFailedError } from './coordinator-errors';
import { ringPeerKeys } from '../admission/curve-admission';
import type { CoordinatorContext } from './coordinator-context';
import { CoordinatorStage } from './coordinator-stage';

/** What rank 0 of a generation being formed may send before the others are ready, for the step loop. */
const TRAINING_MESSAGES: ReadonlySet<string> = new Set(['STEP_DONE', 'SAMPLES', 'WEIGHTS']);

/** Where the workers' state comes from when a generation is formed. */
export type StateSource = 'fresh' | 'checkpoint' | 'rank0';

export interface GenerationFormingOptions {
  /** The pipeline every worker trains: its file, the file's sha256 and the resolved settings. */
  readonly pipeline: { readonly file: string; readonly hash: string; readonly settings: PipelineSettings };
  /** Workers to wait for before the first generation. */
  readonly workers: number;
  /** Fewest workers to form a generation with once training has started. */
  readonly minWorkers: number;
  /** How long to wait for `workers` to join, and for every rank to get ready. */
  readonly joinTimeoutMs: number;
  /** How long to wait for workers to (re)join below `minWorkers`. */
  readonly rejoinTimeoutMs: number;
}

/**
 * Forms a generation (WELCOME, then STATE and RING_READY): waits for enough workers,
 * ranks survivors before joiners, sends each its WELCOME, gets the same
 * state to every rank (none, the checkpoint's, or rank 0's forwarded)
 * and waits until all are ready. A worker lost meanwhile means forming
 * again.
 */
export class GenerationForming extends CoordinatorStage {
  /** The STATE rank 0 sent for the generation being formed. */
  private pendingState: Envelope<StateHeader> | undefined;

  constructor(
    context: CoordinatorContext,
    private readonly socket: Pick<CoordinatorSocket, 'endpoint' | 'curve'>,
    private readonly aggregator: StarAggregator,
    private readonly options: GenerationFormingOptions,
  ) {
    super(context);
  }

  /** Forms a new generation from the workers there are and brings every rank to the same state; returns where training continues. */
  async form(source: StateSource, position: StatePosition): Promise<StatePosition> {
    for (;;) {
      this.admission.dropGone();
      await this.awaitEnoughWorkers();
      this.members.promoteJoining();
      const ranked = this.members.ranked;
      let from = source;
      if (from === 'rank0' && !(ranked[0]?.hasState ?? false)) {
        const holder = ranked.findIndex((m) => m.hasState);
        if (holder > 0) ranked.unshift(...ranked.splice(holder, 1));
        else if (this.products.latestCheckpoint !== undefined) from = 'checkpoint';
        else throw new WorkerFailedError('Every worker that held the training state is gone and no checkpoint was written yet; restart the job.');
      }
      if (from === 'checkpoint') position = { step: (this.products.latestCheckpoint as VerifiedCheckpoint).state.step, phase: 0 };
      await this.welcomeAll(from, position.step);
      const formed = await this.syncState(from, position);
      if (formed !== undefined) {
        for (const member of this.members.ranked) member.hasState = true;
        this.link.releaseHeld();
        return formed;
      }
    }
  }

  /** Waits until enough workers are admitted: `workers` before training, `minWorkers` after a loss. */
  private async awaitEnoughWorkers(): Promise<void> {
    const { training } = this.job;
    const required = training ? this.options.minWorkers : this.options.workers;
    if (this.members.count >= required) return;
    const timeoutMs = training ? this.options.rejoinTimeoutMs : this.options.joinTimeoutMs;
    if (training) {
      this.logger.warn(
        { workers: this.members.count, minWorkers: required, waitMs: timeoutMs },
        `only ${this.members.count} worker${this.members.count === 1 ? '' : 's'} left, below --min-workers ${required}: waiting up to ${Math.round(timeoutMs / 1000)} s for workers to join (\`ganglion worker --connect ${this.socket.endpoint}\`)`,
      );
    }
    const deadline = this.clock.now() + timeoutMs;
    while (this.members.count < required) {
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) throw this.tooFew(required, timeoutMs);
      const incoming = await this.link.next(Math.min(remaining, this.link.interval));
      if (incoming !== undefined) await this.onFormingMessage(incoming, -1);
      this.admission.dropGone();
    }
  }

  private async welcomeAll(source: StateSource, step: number): Promise<void> {
    const generation = this.job.nextGeneration();
    const { pipeline } = this.options;
    const { distributed, seed } = this.settings;
    const ranked = this.members.ranked;
    const worldSize = ranked.length;
    const peers = distributed.reducer === 'ring' ? ranked.map((m) => m.hello.ringEndpoint as string) : [];
    this.aggregator.setMembership(generation, ranked.map((m) => m.peer));
    this.events?.generationChanged(generation, ranked.map((m) => m.hello.workerId));
    for (const [rank, member] of ranked.entries()) {
      member.readyFor = -1;
      const syncState = source === 'fresh' ? undefined : source === 'rank0' && rank === 0 ? 'send' : 'receive';
      await this.link.trySend(member.peer, {
        type: 'WELCOME',
        generation,
        step,
        rank,
        worldSize,
        seed,
        pipeline: { path: pipeline.file, hash: pipeline.hash, options: this.settings as unknown as Record<string, unknown> },
        reducer: { name: distributed.reducer, bucketBytes: distributed.bucketBytes, fp16: distributed.fp16, timeoutMs: distributed.reduceTimeoutMs },
        peers,
        ...ringPeerKeys(this.socket, distributed.reducer, ranked),
        ...(syncState === undefined ? {} : { syncState }),
      });
    }
    const ranks = ranked.map((m, rank) => `${rank}=${m.hello.workerId}`).join(' ');
    const how =
      source === 'rank0' ? `; rank 0 (${ranked[0].hello.workerId}) sends its state to the others` : source === 'checkpoint' ? `; state from ${this.products.latestCheckpoint?.folder}` : '';
    this.logger.info(
      { generation, ranks: ranked.map((m) => m.hello.workerId), step, stateFrom: source },
      `generation ${generation}: ${worldSize} worker${worldSize === 1 ? '' : 's'}, ranks ${ranks}, from step ${step}${how}`,
    );
  }

  /**
   * STATE and RING_READY: gets the state to every rank and waits for all to be ready.
   * Returns where training continues, or undefined when membership changed
   * meanwhile (the caller forms the next generation).
   */
  private async syncState(source: StateSource, position: StatePosition): Promise<StatePosition | undefined> {
    const ranked = this.members.ranked;
    const { generation } = this.job;
    let at = position;
    let state: { readonly header: StateHeader; readonly frames: readonly Buffer[] } | undefined;
    if (source === 'checkpoint') {
      const checkpoint = this.products.latestCheckpoint as VerifiedCheckpoint;
      const { init, payload } = stateMessage(checkpoint.files, { generation, rank: 0, step: checkpoint.state.step, phase: 0 });
      for (const member of ranked) await this.link.trySend(member.peer, init, payload);
    }
    const deadline = this.clock.now() + this.options.joinTimeoutMs;
    for (;;) {
      if (this.admission.dropGone()) return undefined;
      if (source === 'rank0' && state === undefined) {
        state = this.takeSyncState(generation);
        if (state !== undefined) {
          at = { step: state.header.step, phase: state.header.phase };
          const { type: _type, protocol: _protocol, payload: _payload, ...fields } = state.header;
          for (const member of ranked.slice(1)) {
            await this.link.trySend(member.peer, { type: 'STATE', ...fields, generation, rank: 0 }, { dtype: 'f32', encoded: state.frames });
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
      const incoming = await this.link.next(Math.min(remaining, this.link.interval));
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
    const message = await this.inbox.fromMember(incoming);
    if (message === undefined) return false;
    const { member, envelope } = message;
    const { header } = envelope;
    if (header.type === 'RING_READY') {
      if (header.generation === generation) member.readyFor = generation;
    } else if (header.type === 'STATE') {
      if (header.generation === generation && member === this.members.ranked[0]) this.pendingState = envelope as Envelope<StateHeader>;
    } else if (header.type === 'ERROR') {
      this.admission.drop(member, this.job.training ? `it failed while getting ready: ${header.code}: ${header.reason}` : `${header.code}: ${header.reason}`);
      return true;
    } else if (header.generation === generation && member === this.members.ranked[0] && TRAINING_MESSAGES.has(header.type)) {
      // Rank 0 with no step left to run sends its last reports and final weights at once: the step loop takes them.
      if (!this.link.holdForLater(incoming)) this.logger.warn({ worker: member.hello.workerId, type: header.type }, `dropped ${header.type} from rank 0 while the generation was formed: too many held`);
    }
    return false;
  }

  private tooFew(required: number, timeoutMs: number): JoinTimeoutError {
    const seconds = Math.round(timeoutMs / 1000);
    if (!this.job.training) {
      return new JoinTimeoutError(
        `Only ${this.members.count} of ${required} workers joined within ${seconds} s. Start the missing workers with ` +
          `\`ganglion worker --connect ${this.socket.endpoint}\` (from another machine: this machine's address), lower --workers, or raise --join-timeout.`,
      );
    }
    return new JoinTimeoutError(
      `Only ${this.members.count} worker${this.members.count === 1 ? '' : 's'} left, below --min-workers ${required}, and none joined within ${seconds} s (--rejoin-timeout). ` +
        `Stopping; the last checkpoint is ${this.products.latestCheckpoint?.folder ?? 'none'}: continue with --resume once workers are back, or lower --min-workers.`,
    );
  }

  private notReady(): JoinTimeoutError {
    const late = this.members.ranked.filter((m) => m.readyFor !== this.job.generation).map((m) => m.hello.workerId);
    return new JoinTimeoutError(
      `All ${this.members.ranked.length} workers joined but ${late.join(', ')} did not get ready (load the pipeline, data, model and state) within ${Math.round(this.options.joinTimeoutMs / 1000)} s.`,
    );
  }
}
