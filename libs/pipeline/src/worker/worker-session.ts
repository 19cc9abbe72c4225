import {
  type DecodeResult,
  type Envelope,
  type GradientReducer,
  type MessageInit,
  type PayloadInit,
  type ReduceStall,
  type StateHeader,
  type WelcomeHeader,
  WaitAbortedError,
  WaitTimeoutError,
  isEnvelopeOf,
  membershipFromWelcome,
  reportsStep,
  stallProbeMs,
  unreachablePeers,
} from '@ganglion/comm';
import type { Logger } from '../logger';
import type { CoordinatorChannel } from './coordinator-channel';
import type { DistributedProcessGroup } from './distributed-process-group';
import type { WorkerHandshake } from './worker-handshake';

/**
 * What the coordinator says about the next step: run it (`checksum`: put a
 * weights checksum in its STEP_DONE; `report`: send a STEP_DONE at all,
 * which the ranks do at a grant's last step and its checksum steps;
 * `metricsThrough`: the coordinator has written the metrics of every step
 * through this one), or stop.
 */
export type CoordinatorCommand =
  | { readonly type: 'step'; readonly checksum: boolean; readonly report: boolean; readonly metricsThrough: number }
  | { readonly type: 'shutdown'; readonly reason: string };

/** The coordinator stopped this worker with a fatal ERROR, or broke the protocol. */
export class CoordinatorRefusedError extends Error {
  override readonly name = 'CoordinatorRefusedError';

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A newer WELCOME arrived: the current generation ended (the worker adopts it with adoptPending()). */
export class MembershipChangedError extends Error {
  override readonly name = 'MembershipChangedError';
}

/** The coordinator has been silent past the timeout (no HEARTBEAT): it died, hangs, or the network failed. */
export class CoordinatorLostError extends Error {
  override readonly name = 'CoordinatorLostError';
}

/** A STEP's grant: steps `step` .. `through` of `generation` run without another STEP. */
interface StepGrant {
  readonly generation: number;
  readonly step: number;
  readonly through: number;
  /** Steps whose STEP_DONE carries a weights checksum. */
  readonly checksumSteps: ReadonlySet<number>;
  /** The last step whose metrics the coordinator has written. */
  readonly metricsThrough: number;
}

/**
 * A worker's side of one job: the coordinator channel, the reducer and the
 * membership the latest WELCOME assigned (this is the worker's
 * ProcessGroup). It continues from the WorkerHandshake that got the first
 * WELCOME, and owns it from then on: every later WELCOME comes to the
 * session, and rejoin() uses the handshake's HELLOs. Between steps it
 * reads the coordinator's commands: STEP, SHUTDOWN, ERROR, HEARTBEAT.
 *
 * Three things take effect at once, even mid-step, because they are
 * routed past the queue:
 * - SHUTDOWN aborts the reduction in flight (closing the reducer), so a
 *   worker stuck waiting for a dead peer still stops; the caller sees
 *   `stoppedBecause` set and treats the resulting error as a clean stop.
 * - A WELCOME of a newer generation (a worker left or joined) ends the
 *   current generation: reduceSignal() aborts, the reduction in flight
 *   rejects without anything being applied, and nextCommand() throws
 *   MembershipChangedError until the caller adopts it (adoptPending()).
 * - HEARTBEAT proves the coordinator alive. Silence longer than
 *   `silenceTimeoutMs` (time the event loop was blocked by computing does
 *   not count) means it is gone: reduceSignal() aborts and every wait
 *   throws CoordinatorLostError, until rejoin() with a new coordinator's
 *   WELCOME.
 */
export class WorkerSession implements DistributedProcessGroup {
  private current: WelcomeHeader;
  private pending: WelcomeHeader | undefined;
  private stepsStartedCount = 0;
  /** The coordinator's latest STEP: steps it lets this rank run without another. */
  private grant: StepGrant | undefined;
  private shutdownReason: string | undefined;
  private lost: CoordinatorLostError | undefined;
  private readonly stopped = new AbortController();
  private generationEnded = new AbortController();
  private readonly unroutes: Array<() => void> = [];
  private lastHeardMs = Date.now();
  private lastTickMs = Date.now();
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private readonly channel: CoordinatorChannel;
  private readonly silenceTimeoutMs: number;

  /** `welcome`: the WELCOME `handshake.join()` returned. */
  constructor(
    private readonly handshake: WorkerHandshake,
    private readonly reducer: GradientReducer,
    welcome: WelcomeHeader,
    private readonly logger: Logger,
    /** Which ring peers this rank cannot reach (probed when its reduce stalls). */
    private readonly probePeers: (peers: readonly string[], self: number, timeoutMs: number) => Promise<number[]> = unreachablePeers,
  ) {
    this.channel = handshake.channel;
    this.silenceTimeoutMs = handshake.silenceTimeoutMs;
    this.current = welcome;
  }

  rank(): number {
    return this.current.rank;
  }

  worldSize(): number {
    return this.current.worldSize;
  }

  generation(): number {
    return this.current.generation;
  }

  reduceSignal(): AbortSignal {
    return this.generationEnded.signal;
  }

  get welcome(): WelcomeHeader {
    return this.current;
  }

  /** Steps the coordinator let this rank start so far (the last may have been cut short by SHUTDOWN). */
  get stepsStarted(): number {
    return this.stepsStartedCount;
  }

  /** Why the coordinator stopped the job, once it sent SHUTDOWN. */
  get stoppedBecause(): string | undefined {
    return this.shutdownReason;
  }

  /** A newer WELCOME waits to be adopted. */
  get membershipChanged(): boolean {
    return this.pending !== undefined;
  }

  /** Set once the coordinator went silent past the timeout. */
  get coordinatorLost(): CoordinatorLostError | undefined {
    return this.lost;
  }

  /** Adopts the current WELCOME's membership in the reducer and starts listening. Call once, before ready(). */
  async start(): Promise<void> {
    this.unroutes.push(
      this.channel.route('SHUTDOWN', (envelope) => {
        this.heard();
        this.shutdownReason ??= envelope.header.reason;
        this.stopped.abort();
        void this.reducer.close();
      }),
      this.channel.route('WELCOME', (envelope) => {
        this.heard();
        const welcome = envelope.header;
        if (welcome.generation <= (this.pending ?? this.current).generation) return;
        this.pending = welcome;
        this.generationEnded.abort(new MembershipChangedError(`membership changed to generation ${welcome.generation}`));
      }),
      this.channel.route('HEARTBEAT', () => this.heard()),
    );
    // A dropped connection means the coordinator process is gone (killed, crashed): no need to wait out the silence timeout.
    const unwatch = this.channel.onDisconnect?.(() => this.connectionDropped());
    if (unwatch !== undefined) this.unroutes.push(unwatch);
    const tickMs = Math.max(50, Math.min(1000, this.silenceTimeoutMs / 4));
    this.lastTickMs = Date.now();
    this.watchdog = setInterval(() => this.checkCoordinator(tickMs), tickMs);
    this.watchdog.unref?.();
    await this.reducer.configure(membershipFromWelcome(this.current));
  }

  /** Stops listening. */
  close(): void {
    for (const unroute of this.unroutes.splice(0)) unroute();
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
  }

  /** Tells the coordinator this worker is set up for the current generation (RING_READY, for either reducer). */
  ready(): Promise<void> {
    return this.channel.send({ type: 'RING_READY', generation: this.current.generation, step: this.current.step, rank: this.current.rank });
  }

  send(init: MessageInit, payload?: PayloadInit): Promise<void> {
    return this.channel.send(init, payload);
  }

  /**
   * The coordinator's go-ahead for `step`: at once when the latest STEP's
   * grant covers it, else the next STEP (or a SHUTDOWN). Throws
   * MembershipChangedError or CoordinatorLostError.
   */
  async nextCommand(step: number): Promise<CoordinatorCommand> {
    for (;;) {
      if (this.shutdownReason !== undefined) return { type: 'shutdown', reason: this.shutdownReason };
      this.throwIfInterrupted();
      const grant = this.grant;
      if (grant !== undefined && grant.generation === this.current.generation && step > grant.step && step <= grant.through) {
        this.stepsStartedCount += 1;
        return this.stepCommand(step, grant);
      }
      const received = await this.receive(`STEP ${step}`);
      if (received === undefined) continue;
      if (!received.ok) {
        this.logger.warn({ error: received.error.message }, `refused a message from the coordinator: ${received.error.message}`);
        continue;
      }
      const { header } = received.envelope;
      switch (header.type) {
        case 'STEP':
          if (header.generation !== this.current.generation) continue; // From before a re-rank.
          if (header.step !== step) {
            throw new CoordinatorRefusedError('unexpected-message', `The coordinator started step ${header.step} while this worker expected step ${step}; the job is out of step.`);
          }
          this.grant = {
            generation: header.generation,
            step: header.step,
            through: header.through,
            checksumSteps: new Set(header.checksumSteps),
            metricsThrough: header.metricsThrough,
          };
          this.stepsStartedCount += 1;
          return this.stepCommand(step, this.grant);
        case 'SHUTDOWN':
          this.shutdownReason = header.reason;
          return { type: 'shutdown', reason: header.reason };
        case 'ERROR':
          this.onError(header.code, header.reason, header.fatal);
          continue;
        default:
          continue; // HEARTBEAT and anything not meant for this moment.
      }
    }
  }

  /**
   * After a WELCOME whose syncState is 'receive': the STATE of the current
   * generation from the coordinator. Undefined on SHUTDOWN; throws
   * MembershipChangedError or CoordinatorLostError.
   */
  async receiveState(): Promise<Envelope<StateHeader> | undefined> {
    for (;;) {
      if (this.shutdownReason !== undefined) return undefined;
      this.throwIfInterrupted();
      const received = await this.receive(`STATE of generation ${this.current.generation}`);
      if (received === undefined || !received.ok) continue;
      const { envelope } = received;
      if (isEnvelopeOf(envelope, 'STATE') && envelope.header.generation === this.current.generation) return envelope;
      if (isEnvelopeOf(envelope, 'ERROR')) this.onError(envelope.header.code, envelope.header.reason, envelope.header.fatal);
    }
  }

  /** Adopts the newer WELCOME that ended the generation: new rank, world size and reducer membership. */
  async adoptPending(): Promise<WelcomeHeader> {
    const welcome = this.pending;
    if (welcome === undefined) throw new Error('adoptPending(): no newer WELCOME arrived.');
    this.pending = undefined;
    await this.adopt(welcome);
    this.logger.info(
      { rank: welcome.rank, worldSize: welcome.worldSize, generation: welcome.generation, step: welcome.step },
      `membership changed: now rank ${welcome.rank} of ${welcome.worldSize} (generation ${welcome.generation}); the interrupted step is abandoned`,
    );
    return welcome;
  }

  /**
   * After the coordinator was lost: says HELLO (the handshake's) every 2 s
   * until a restarted coordinator on the same endpoint WELCOMEs this
   * worker, or `waitMs` passed (WorkerConnectError), then joins its job
   * with that WELCOME.
   */
  async rejoin(waitMs: number): Promise<WelcomeHeader> {
    await this.handshake.awaitCoordinatorBack(() => this.pending !== undefined, this.current.generation, waitMs);
    const welcome = this.pending;
    if (welcome === undefined) throw new Error('rejoin(): no WELCOME from a coordinator arrived.');
    this.lost = undefined;
    this.pending = undefined;
    await this.adopt(welcome);
    this.logger.info({ rank: welcome.rank, worldSize: welcome.worldSize, generation: welcome.generation }, `rejoined: rank ${welcome.rank} of ${welcome.worldSize} (generation ${welcome.generation})`);
    return welcome;
  }

  /**
   * This rank's reduction stalled (ReduceTimeoutError): tells the
   * coordinator which peer did not deliver (REDUCE_STALLED) and waits until
   * it answers with a newer generation (then membershipChanged is true and
   * the caller adopts it, as after any membership change) or SHUTDOWN.
   * Throws CoordinatorLostError when it stays silent, CoordinatorRefusedError
   * when it dropped this worker.
   */
  async reportStall(stall: ReduceStall): Promise<void> {
    const { rank, generation, peers } = this.current;
    // Ring: which peers' endpoints still accept a TCP connection, so the coordinator can tell a broken link from a hung peer.
    const unreachable = peers.length > 1 ? await this.probePeers(peers, rank, stallProbeMs(stall.stalledMs)) : undefined;
    await this.channel.send({
      type: 'REDUCE_STALLED',
      generation,
      step: stall.step,
      rank,
      phase: stall.phase,
      suspectRank: stall.suspectRank,
      received: stall.received,
      awaiting: stall.awaiting,
      stalledMs: stall.stalledMs,
      ...(unreachable === undefined ? {} : { unreachable }),
    });
    const links = unreachable === undefined || unreachable.length === 0 ? '' : `; could not connect to the ring endpoint of rank${unreachable.length === 1 ? '' : 's'} ${unreachable.join(', ')}`;
    this.logger.warn(
      { generation, step: stall.step, phase: stall.phase, suspectRank: stall.suspectRank, received: stall.received, unreachable },
      `reduce of step ${stall.step} phase ${stall.phase} stalled for ${Math.round(stall.stalledMs / 100) / 10} s waiting for ${stall.awaiting}${links}; reported to the coordinator, waiting for the next generation`,
    );
    for (;;) {
      if (this.shutdownReason !== undefined || this.pending !== undefined) return;
      if (this.lost !== undefined) throw this.lost;
      const received = await this.receive('a new generation after a stalled reduce');
      if (received === undefined || !received.ok) continue;
      const { header } = received.envelope;
      if (header.type === 'SHUTDOWN') this.shutdownReason = header.reason;
      else if (header.type === 'ERROR') this.onError(header.code, header.reason, header.fatal);
    }
  }

  /** After the last step: waits for the coordinator's SHUTDOWN. */
  async awaitShutdown(): Promise<string> {
    for (;;) {
      if (this.shutdownReason !== undefined) return this.shutdownReason;
      if (this.lost !== undefined) throw this.lost;
      const received = await this.receive('SHUTDOWN');
      if (received === undefined || !received.ok) continue;
      const { header } = received.envelope;
      if (header.type === 'SHUTDOWN') {
        this.shutdownReason = header.reason;
        return header.reason;
      }
      if (header.type === 'ERROR') this.onError(header.code, header.reason, header.fatal);
    }
  }

  private async adopt(welcome: WelcomeHeader): Promise<void> {
    this.current = welcome;
    this.grant = undefined; // a new generation (or a restarted coordinator) grants afresh
    this.generationEnded = new AbortController();
    this.lastHeardMs = Date.now();
    await this.reducer.configure(membershipFromWelcome(welcome));
  }

  private stepCommand(step: number, grant: StepGrant): CoordinatorCommand {
    const checksum = grant.checksumSteps.has(step);
    return { type: 'step', checksum, report: reportsStep(step, grant.through, checksum), metricsThrough: grant.metricsThrough };
  }

  private throwIfInterrupted(): void {
    if (this.lost !== undefined) throw this.lost;
    if (this.pending !== undefined) throw new MembershipChangedError(`The coordinator re-ranked the job (generation ${this.pending.generation}).`);
  }

  private heard(): void {
    this.lastHeardMs = Date.now();
  }

  /** A second's grace first: a SHUTDOWN sent just before the coordinator closed may still be on its way through the receive loop. */
  private connectionDropped(): void {
    const timer = setTimeout(() => this.coordinatorGone(), 1000);
    timer.unref?.();
  }

  private coordinatorGone(): void {
    if (this.lost !== undefined || this.shutdownReason !== undefined) return;
    this.lost = new CoordinatorLostError(
      `The connection to the coordinator at ${this.channel.endpoint} closed: its process exited or was killed, or the network between us failed.`,
    );
    this.generationEnded.abort(this.lost);
  }

  /** The watchdog: time the event loop was blocked (a long step) is not silence. */
  private checkCoordinator(tickMs: number): void {
    const now = Date.now();
    const late = now - this.lastTickMs - tickMs;
    this.lastTickMs = now;
    if (late > tickMs) this.lastHeardMs += late;
    if (this.lost !== undefined || this.shutdownReason !== undefined || now - this.lastHeardMs <= this.silenceTimeoutMs) return;
    this.lost = new CoordinatorLostError(
      `No word from the coordinator at ${this.channel.endpoint} for ${Math.round((now - this.lastHeardMs) / 1000)} s (no heartbeat; --coordinator-timeout ${Math.round(this.silenceTimeoutMs / 1000)} s): ` +
        'it died, hangs, or the network between us failed.',
    );
    this.generationEnded.abort(this.lost);
  }

  private onError(code: string, reason: string, fatal: boolean): void {
    if (fatal) throw new CoordinatorRefusedError(code, `The coordinator stopped this worker (${code}): ${reason}`);
    this.logger.warn({ code, reason }, `coordinator: ${reason}`);
  }

  /** The next message; undefined once SHUTDOWN arrived, a newer WELCOME ended the generation or the coordinator was lost. */
  private async receive(what: string): Promise<DecodeResult | undefined> {
    try {
      const received = await this.channel.receive({ timeoutMs: this.silenceTimeoutMs, signal: AbortSignal.any([this.stopped.signal, this.generationEnded.signal]) });
      this.heard();
      return received;
    } catch (error) {
      if (error instanceof WaitAbortedError) return undefined;
      if (error instanceof WaitTimeoutError) {
        this.lost ??= new CoordinatorLostError(
          `No word from the coordinator at ${this.channel.endpoint} for ${Math.round(this.silenceTimeoutMs / 1000)} s (no heartbeat) while waiting for ${what}: ` +
            'it died, hangs, or the network between us failed. Check the coordinator\'s log.',
          { cause: error },
        );
        this.generationEnded.abort(this.lost);
        throw this.lost;
      }
      throw error;
    }
  }
}
