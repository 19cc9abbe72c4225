import {
  type DecodeResult,
  type Envelope,
  type GradientReducer,
  type MessageInit,
  type PayloadInit,
  type ShutdownHeader,
  type WaitOptions,
  type WelcomeHeader,
  WaitAbortedError,
  WaitTimeoutError,
  membershipFromWelcome,
} from '@ganglion/comm';
import type { Logger } from '../logger';
import type { DistributedProcessGroup } from './distributed-process-group';

/** What a worker needs of its connection to the coordinator (a WorkerSocket). */
export interface CoordinatorChannel {
  /** The coordinator's endpoint, for messages. */
  readonly endpoint: string;
  send(init: MessageInit, payload?: PayloadInit): Promise<void>;
  receive(options?: WaitOptions): Promise<DecodeResult>;
  route(type: 'SHUTDOWN', handler: (envelope: Envelope<ShutdownHeader>) => void): () => void;
}

/** What the coordinator asked for next. */
export type CoordinatorCommand = { readonly type: 'step'; readonly checksum: boolean } | { readonly type: 'shutdown'; readonly reason: string };

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

/**
 * A worker's side of one job: the coordinator channel, the reducer and the
 * membership the latest WELCOME assigned (this is the worker's
 * ProcessGroup). Between steps it reads the coordinator's commands:
 * STEP, SHUTDOWN, a newer WELCOME (re-ranking before training starts, when
 * a worker was refused), ERROR, HEARTBEAT. Silence longer than
 * `silenceTimeoutMs` means the coordinator is gone: the coordinator sends
 * a HEARTBEAT every few seconds.
 *
 * SHUTDOWN takes effect at once, even mid-step: it aborts the reduction in
 * flight (closing the reducer), so a worker stuck waiting for a dead peer
 * still stops; the caller sees `stoppedBecause` set and treats the
 * resulting error as a clean stop.
 */
export class WorkerSession implements DistributedProcessGroup {
  private current: WelcomeHeader;
  private stepsStartedCount = 0;
  private shutdownReason: string | undefined;
  private readonly stopped = new AbortController();
  private unrouteShutdown: (() => void) | undefined;

  constructor(
    private readonly channel: CoordinatorChannel,
    private readonly reducer: GradientReducer,
    welcome: WelcomeHeader,
    private readonly logger: Logger,
    private readonly silenceTimeoutMs: number,
  ) {
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

  get welcome(): WelcomeHeader {
    return this.current;
  }

  /** STEP commands received so far (the last may have been cut short by SHUTDOWN). */
  get stepsStarted(): number {
    return this.stepsStartedCount;
  }

  /** Why the coordinator stopped the job, once it sent SHUTDOWN. */
  get stoppedBecause(): string | undefined {
    return this.shutdownReason;
  }

  /** Adopts the current WELCOME's membership in the reducer. Call once, before ready(). */
  async start(): Promise<void> {
    this.unrouteShutdown = this.channel.route('SHUTDOWN', (envelope) => {
      this.shutdownReason ??= envelope.header.reason;
      this.stopped.abort();
      void this.reducer.close();
    });
    await this.reducer.configure(membershipFromWelcome(this.current));
  }

  /** Stops listening for SHUTDOWN. */
  close(): void {
    this.unrouteShutdown?.();
  }

  /** Tells the coordinator this worker is set up for the current generation (RING_READY, for either reducer). */
  ready(): Promise<void> {
    return this.channel.send({ type: 'RING_READY', generation: this.current.generation, step: this.current.step, rank: this.current.rank });
  }

  send(init: MessageInit, payload?: PayloadInit): Promise<void> {
    return this.channel.send(init, payload);
  }

  /** Waits for the coordinator's go-ahead for `step` (or a SHUTDOWN). */
  async nextCommand(step: number): Promise<CoordinatorCommand> {
    for (;;) {
      if (this.shutdownReason !== undefined) return { type: 'shutdown', reason: this.shutdownReason };
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
          this.stepsStartedCount += 1;
          return { type: 'step', checksum: header.checksum };
        case 'SHUTDOWN':
          this.shutdownReason = header.reason;
          return { type: 'shutdown', reason: header.reason };
        case 'WELCOME':
          await this.adopt(header);
          continue;
        case 'ERROR':
          this.onError(header.code, header.reason, header.fatal);
          continue;
        default:
          continue; // HEARTBEAT and anything not meant for this moment.
      }
    }
  }

  /** After the last step: waits for the coordinator's SHUTDOWN. */
  async awaitShutdown(): Promise<string> {
    for (;;) {
      if (this.shutdownReason !== undefined) return this.shutdownReason;
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
    if (welcome.generation <= this.current.generation) return;
    if (this.stepsStartedCount > 0) {
      throw new CoordinatorRefusedError(
        'membership-change',
        `The coordinator re-ranked the job (generation ${welcome.generation}) after training started; resuming a running job is not supported yet. Restart the job.`,
      );
    }
    this.current = welcome;
    await this.reducer.configure(membershipFromWelcome(welcome));
    this.logger.info(
      { rank: welcome.rank, worldSize: welcome.worldSize, generation: welcome.generation },
      `re-ranked before training: rank ${welcome.rank} of ${welcome.worldSize} (generation ${welcome.generation})`,
    );
    await this.ready();
  }

  private onError(code: string, reason: string, fatal: boolean): void {
    if (fatal) throw new CoordinatorRefusedError(code, `The coordinator stopped this worker (${code}): ${reason}`);
    this.logger.warn({ code, reason }, `coordinator: ${reason}`);
  }

  /** The next message; undefined once SHUTDOWN arrived (it is routed past the queue). */
  private async receive(what: string): Promise<DecodeResult | undefined> {
    try {
      return await this.channel.receive({ timeoutMs: this.silenceTimeoutMs, signal: this.stopped.signal });
    } catch (error) {
      if (error instanceof WaitAbortedError) return undefined;
      if (error instanceof WaitTimeoutError) {
        throw new Error(
          `No word from the coordinator at ${this.channel.endpoint} for ${Math.round(this.silenceTimeoutMs / 1000)} s while waiting for ${what}: ` +
            'it stopped or the network between us failed. Check the coordinator\'s log.',
          { cause: error },
        );
      }
      throw error;
    }
  }
}
