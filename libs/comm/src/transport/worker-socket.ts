import { Dealer } from 'zeromq';
import { type DecodeLimits, type DecodeResult, type Envelope, type PayloadInit, decodeMessage, encodeMessage } from '../protocol/message-codec';
import type { HeaderOf, MessageInit, MessageType } from '../protocol/messages';
import { checkEndpoint } from './check-endpoint';
import { type CurveClientOptions, curveClientSocketOptions } from './curve-options';
import { type HeartbeatOptions, heartbeatSocketOptions } from './heartbeat-options';
import { Inbox } from './inbox';
import { SendQueue } from './send-queue';
import { ReceivedFrameScavenger, type ScavengeOptions } from './received-frame-scavenger';
import { watchSocketEvents } from './socket-events';
import { SocketClosedError } from './transport-errors';
import type { WaitOptions } from './wait-options';

export interface WorkerSocketOptions extends ScavengeOptions {
  /** The coordinator's ROUTER endpoint, e.g. `tcp://127.0.0.1:5555`. */
  readonly endpoint: string;
  /** The worker's stable id, used as its DEALER routing id (1..255 bytes); the coordinator sees it as the peer id. */
  readonly workerId: string;
  /** ZMTP heartbeats on the connection to the coordinator. Default: off. */
  readonly heartbeat?: HeartbeatOptions;
  /** Size limits for received messages. Default: DEFAULT_DECODE_LIMITS. */
  readonly limits?: DecodeLimits;
  /** Most messages held for receive() before the oldest is dropped. Default: 10000. */
  readonly maxQueued?: number;
  /** A send that cannot be queued within this many ms rejects (EAGAIN). Default: 10000. */
  readonly sendTimeoutMs?: number;
  /** Told about every message that was refused (with the reason) or dropped. Default: ignore. */
  readonly onError?: (error: Error) => void;
  /**
   * CURVE encryption towards a CURVE coordinator: this worker's key pair and
   * the coordinator's public key. Default: off (plain TCP). A coordinator
   * that refuses the key fails the handshake silently: the worker just
   * never hears back.
   */
  readonly curve?: CurveClientOptions;
}

/**
 * A worker's connection to the coordinator: one DEALER (linger 0) and a
 * receive loop that decodes every message. Messages of a routed type go to
 * their handler (the StarReducer routes AVG); everything else, including
 * refused messages as `{ ok: false, error }`, waits for `receive()` or
 * `for await (const received of socket)`.
 *
 * Sends are serialised and awaited in order. zeromq.js does not copy frames
 * above 128 bytes: do not mutate a Float32Array you passed in a payload
 * until the coordinator answered (awaiting send only means it was queued).
 */
export class WorkerSocket {
  private readonly inbox: Inbox<DecodeResult>;
  private readonly sends: SendQueue;
  private readonly loop: Promise<void>;
  private readonly disconnectListeners = new Set<() => void>();
  private eventLoop: Promise<void> | undefined;

  private constructor(
    private readonly dealer: Dealer,
    readonly workerId: string,
    readonly endpoint: string,
    private readonly options: WorkerSocketOptions,
    private readonly scavenger: ReceivedFrameScavenger,
  ) {
    const onError = options.onError ?? (() => undefined);
    this.inbox = new Inbox<DecodeResult>(
      (item) => (item.ok ? item.envelope.header.type : undefined),
      options.maxQueued ?? 10_000,
      (reason) => onError(new Error(`Dropped a message from the coordinator: ${reason}.`)),
    );
    this.sends = new SendQueue((frames) => this.dealer.send(frames));
    this.loop = this.receiveLoop();
  }

  /** Connects to the coordinator (zeromq connects in the background and reconnects by itself). */
  static connect(options: WorkerSocketOptions): WorkerSocket {
    checkEndpoint(options.endpoint, 'connect');
    const scavenger = new ReceivedFrameScavenger(options.scavengeEveryBytes);
    const dealer = new Dealer({
      linger: 0,
      routingId: options.workerId,
      ...(options.curve === undefined ? {} : curveClientSocketOptions(options.curve)),
      sendTimeout: options.sendTimeoutMs ?? 10_000,
      ...heartbeatSocketOptions(options.heartbeat),
    });
    dealer.connect(options.endpoint);
    return new WorkerSocket(dealer, options.workerId, options.endpoint, options, scavenger);
  }

  get closed(): boolean {
    return this.dealer.closed;
  }

  /** Encodes and sends one message to the coordinator. Throws ProtocolError for an invalid header. */
  send(init: MessageInit, payload?: PayloadInit): Promise<void> {
    if (this.dealer.closed) {
      return Promise.reject(new SocketClosedError(`Cannot send ${init.type}: the worker socket is closed.`));
    }
    return this.sends.push(encodeMessage(init, payload));
  }

  /** The next message not claimed by a route: `{ ok: true, envelope }` or `{ ok: false, error }` for a refused one. */
  receive(options?: WaitOptions): Promise<DecodeResult> {
    return this.inbox.receive(options);
  }

  /** Hands every later message of `type` to `handler` (synchronously, in the receive loop). Returns the unroute function. */
  route<T extends MessageType>(type: T, handler: (envelope: Envelope<HeaderOf<T>>) => void): () => void {
    return this.inbox.route(type, (item) => {
      if (item.ok) {
        handler(item.envelope as Envelope<HeaderOf<T>>);
      }
    });
  }

  [Symbol.asyncIterator](): AsyncGenerator<DecodeResult, void, undefined> {
    return this.inbox[Symbol.asyncIterator]();
  }

  /**
   * Calls `listener` whenever the connection to the coordinator drops: its
   * process exited or was killed (the kernel closed the TCP connection), or
   * the ZMTP heartbeat timed out. zeromq reconnects by itself; a worker
   * learns at once that the coordinator it knew is gone instead of after a
   * silence timeout.
   */
  onDisconnect(listener: () => void): () => void {
    this.disconnectListeners.add(listener);
    if (this.eventLoop === undefined && !this.dealer.closed) {
      this.eventLoop = watchSocketEvents(this.dealer.events, () => this.dealer.closed, (event) => {
        if (event.type !== 'disconnect') return;
        for (const each of this.disconnectListeners) each();
      });
    }
    return () => this.disconnectListeners.delete(listener);
  }

  /** Closes the DEALER (pending sends are dropped: linger 0) and ends receive(). */
  async close(): Promise<void> {
    if (!this.dealer.closed) {
      this.dealer.close();
    }
    this.inbox.close();
    await Promise.all([this.loop, this.eventLoop]);
  }

  private async receiveLoop(): Promise<void> {
    const limits = this.options.limits;
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await this.dealer.receive();
      } catch (error) {
        if (!this.dealer.closed) {
          this.options.onError?.(new Error(`Worker socket receive failed: ${(error as Error).message}`, { cause: error }));
          this.dealer.close();
        }
        this.inbox.close();
        return;
      }
      this.scavenger.received(frames);
      const result = decodeMessage(frames, limits);
      if (!result.ok) {
        this.options.onError?.(result.error);
      }
      this.inbox.deliver(result);
    }
  }
}
