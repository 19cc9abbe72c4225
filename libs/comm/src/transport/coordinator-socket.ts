import { Context, Router } from 'zeromq';
import { type DecodeLimits, type DecodeResult, type PayloadInit, decodeMessage, encodeMessage } from '../protocol/message-codec';
import type { MessageInit, MessageType } from '../protocol/messages';
import { ProtocolError } from '../protocol/protocol-error';
import type { CurveServerOptions } from './curve-options';
import { checkEndpoint } from './check-endpoint';
import { type HeartbeatOptions, heartbeatSocketOptions } from './heartbeat-options';
import { Inbox } from './inbox';
import { ReceivedFrameScavenger, type ScavengeOptions } from './received-frame-scavenger';
import { SendQueue } from './send-queue';
import { PeerUnreachableError, SocketClosedError } from './transport-errors';
import type { WaitOptions } from './wait-options';
import { z85 } from './z85-key';
import { ZapHandler } from './zap-handler';

/**
 * A peer as the ROUTER knows it: its routing id read as latin1, so any
 * binary id round-trips; for a WorkerSocket it is the worker id.
 */
export type PeerId = string;

/** A message received by the coordinator, decoded or refused, with the peer that sent it. */
export type Incoming = DecodeResult & { readonly peer: PeerId };

export interface CoordinatorSocketOptions extends ScavengeOptions {
  /**
   * Where to bind. Default `tcp://127.0.0.1:5555`; `tcp://127.0.0.1:*`
   * picks a free port (read it back from `endpoint`). Binding other
   * interfaces must be asked for explicitly (e.g. `tcp://0.0.0.0:5555`).
   */
  readonly endpoint?: string;
  /** ZMTP heartbeats to every worker. Default: off. */
  readonly heartbeat?: HeartbeatOptions;
  /** Size limits for received messages. Default: DEFAULT_DECODE_LIMITS. */
  readonly limits?: DecodeLimits;
  /** Most messages held for receive() before the oldest is dropped. Default: 10000. */
  readonly maxQueued?: number;
  /**
   * A send that cannot be queued within this many ms rejects. Default: 10000.
   * A send to an unknown peer fails at once while any worker is connected;
   * with none connected at all the ROUTER is not writable and the send
   * waits this long before failing.
   */
  readonly sendTimeoutMs?: number;
  /** Told about every message that was refused or dropped. Default: ignore. */
  readonly onError?: (error: Error) => void;
  /**
   * CURVE encryption and an allow-list of worker public keys. Default: off
   * (plain TCP, anyone who reaches the port can join). When set, the ROUTER
   * is a CURVE server in its own zeromq Context with a ZapHandler that
   * refuses every key not on `allow`.
   */
  readonly curve?: CurveServerOptions;
}

export const DEFAULT_COORDINATOR_ENDPOINT = 'tcp://127.0.0.1:5555';

/**
 * The coordinator's ROUTER (`mandatory: true` so a send to a gone peer
 * fails with PeerUnreachableError instead of vanishing; `linger: 0` so the
 * process can exit). A receive loop strips the routing-id frame and decodes
 * the rest; `receive()` / `for await` yield `{ peer, ok, envelope | error }`
 * and never throw on bad input.
 *
 * A killed or hung worker shows up when a send to it fails
 * (PeerUnreachableError); ZMTP heartbeats (`heartbeat`) drop a hung one's
 * connection so that its next send fails.
 *
 * Sends are serialised. zeromq.js does not copy frames above 128 bytes:
 * never mutate or reuse a buffer passed in a payload after this call
 * (StarAggregator allocates a fresh one per bucket).
 */
export class CoordinatorSocket {
  private readonly inbox: Inbox<Incoming>;
  private readonly sends: SendQueue;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly router: Router,
    /** The bound endpoint with the real port, e.g. `tcp://127.0.0.1:41234`. */
    readonly endpoint: string,
    private readonly options: CoordinatorSocketOptions,
    private readonly scavenger: ReceivedFrameScavenger,
    private readonly zap?: ZapHandler,
    private readonly authenticated: ReadonlySet<string> = new Set(),
  ) {
    const onError = options.onError ?? (() => undefined);
    this.inbox = new Inbox<Incoming>(
      (item) => (item.ok ? item.envelope.header.type : undefined),
      options.maxQueued ?? 10_000,
      (reason, item) => onError(new Error(`Dropped a message from ${JSON.stringify(item.peer)}: ${reason}.`)),
    );
    this.sends = new SendQueue((frames) => this.router.send(frames));
    this.loop = this.receiveLoop();
  }

  static async bind(options: CoordinatorSocketOptions = {}): Promise<CoordinatorSocket> {
    checkEndpoint(options.endpoint ?? DEFAULT_COORDINATOR_ENDPOINT, 'bind');
    const scavenger = new ReceivedFrameScavenger(options.scavengeEveryBytes);
    const curve = options.curve;
    const context = curve === undefined ? undefined : new Context();
    const authenticated = new Set<string>();
    const zap =
      curve === undefined || context === undefined
        ? undefined
        : await ZapHandler.start(context, { allow: curve.allow, onRefused: curve.onRefused, onAccepted: (key) => authenticated.add(key) });
    const router = new Router({
      ...(context === undefined ? {} : { context }),
      ...(curve === undefined ? {} : { curveServer: true, curveSecretKey: z85(curve.keyPair.secretKey, 'coordinator secret'), zapDomain: 'ganglion' }),
      linger: 0,
      mandatory: true,
      sendTimeout: options.sendTimeoutMs ?? 10_000,
      ...heartbeatSocketOptions(options.heartbeat),
    });
    const endpoint = options.endpoint ?? DEFAULT_COORDINATOR_ENDPOINT;
    try {
      await router.bind(endpoint);
    } catch (error) {
      router.close();
      await zap?.close();
      throw new Error(`Coordinator could not bind ${endpoint}: ${(error as Error).message}. Is another coordinator running there? Pick another port.`, {
        cause: error,
      });
    }
    return new CoordinatorSocket(router, router.lastEndpoint ?? endpoint, options, scavenger, zap, authenticated);
  }

  get closed(): boolean {
    return this.router.closed;
  }

  /** Whether this socket is a CURVE server with an allow-list (`curve` was given). */
  get curve(): boolean {
    return this.zap !== undefined;
  }

  /**
   * With CURVE: whether some connection to this socket proved it holds the
   * secret of `publicKey` and was let in by the allow-list (the ZAP
   * handler records the key before the handshake completes, so before any
   * message of that connection arrives). zeromq.js does not say which
   * connection a message came on, so this ties a HELLO's declared key to
   * an authenticated handshake, not to its routing id. Always false
   * without CURVE.
   */
  isAuthenticatedKey(publicKey: string): boolean {
    return this.authenticated.has(publicKey);
  }

  /** Encodes and sends one message to `peer`. Rejects with PeerUnreachableError when the peer is not connected. */
  async send(peer: PeerId, init: MessageInit, payload?: PayloadInit): Promise<void> {
    if (this.router.closed) {
      throw new SocketClosedError(`Cannot send ${init.type} to ${JSON.stringify(peer)}: the coordinator socket is closed.`);
    }
    const frames = encodeMessage(init, payload);
    try {
      await this.sends.push([Buffer.from(peer, 'latin1'), ...frames]);
    } catch (error) {
      if ((error as { code?: string }).code === 'EHOSTUNREACH') {
        throw new PeerUnreachableError(peer, { cause: error });
      }
      throw error;
    }
  }

  /** The next message not claimed by a route. */
  receive(options?: WaitOptions): Promise<Incoming> {
    return this.inbox.receive(options);
  }

  /** Hands every later message of `type` to `handler` (synchronously, in the receive loop). Returns the unroute function. */
  route(type: MessageType, handler: (incoming: Incoming & { ok: true }) => void): () => void {
    return this.inbox.route(type, (item) => {
      if (item.ok) {
        handler(item);
      }
    });
  }

  [Symbol.asyncIterator](): AsyncGenerator<Incoming, void, undefined> {
    return this.inbox[Symbol.asyncIterator]();
  }

  async close(): Promise<void> {
    if (!this.router.closed) {
      this.router.close();
    }
    this.inbox.close();
    await this.loop;
    await this.zap?.close();
  }

  private async receiveLoop(): Promise<void> {
    const limits = this.options.limits;
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await this.router.receive();
      } catch (error) {
        if (!this.router.closed) {
          this.options.onError?.(new Error(`Coordinator socket receive failed: ${(error as Error).message}`, { cause: error }));
          this.router.close();
        }
        this.inbox.close();
        return;
      }
      this.scavenger.received(frames);
      const [identity, ...rest] = frames;
      const peer = identity.toString('latin1');
      const result = decodeMessage(rest, limits);
      if (!result.ok) {
        this.options.onError?.(
          new ProtocolError(result.error.code, `From ${JSON.stringify(peer)}: ${result.error.message}`, result.error.context),
        );
      }
      this.inbox.deliver({ ...result, peer });
    }
  }
}
