import { Context, Pull, Push } from 'zeromq';
import { type DecodeLimits, type Envelope, type PayloadInit, decodeMessage, encodeMessage } from '../protocol/message-codec';
import type { MessageInit, RingChunkHeader } from '../protocol/messages';
import { ProtocolError } from '../protocol/protocol-error';
import { checkEndpoint } from '../transport/check-endpoint';
import { type RingCurveOptions, curveClientSocketOptions } from '../transport/curve-options';
import { type HeartbeatOptions, heartbeatSocketOptions } from '../transport/heartbeat-options';
import { ReceivedFrameScavenger, type ScavengeOptions } from '../transport/received-frame-scavenger';
import { SendQueue } from '../transport/send-queue';
import { SocketClosedError } from '../transport/transport-errors';
import type { WaitOptions } from '../transport/wait-options';
import { z85 } from '../transport/z85-key';
import { ZapHandler } from '../transport/zap-handler';
import type { Membership } from './gradient-reducer';
import { Mailbox } from './mailbox';
import { watchSocketEvents } from '../transport/socket-events';

export interface RingTransportOptions extends ScavengeOptions {
  /**
   * Where this worker's ring PULL socket binds. Default `tcp://127.0.0.1:*`
   * (a free port on loopback: single machine). For several machines bind
   * an interface the other workers can reach, e.g. `tcp://0.0.0.0:*`, and
   * set advertiseHost.
   */
  readonly bindEndpoint?: string;
  /** Host written into `endpoint` in place of the bound address, e.g. this machine's LAN IP when binding 0.0.0.0. */
  readonly advertiseHost?: string;
  /** ZMTP heartbeats on ring connections. Default: off. */
  readonly heartbeat?: HeartbeatOptions;
  /** Size limits for received messages. Default: DEFAULT_DECODE_LIMITS. */
  readonly limits?: DecodeLimits;
  /** A send that cannot be queued within this many ms rejects. Default: 10000. */
  readonly sendTimeoutMs?: number;
  /** Most RING_CHUNK messages held for rounds nobody waits for yet. Default: 4096. */
  readonly maxHeld?: number;
  /** Told about every message refused or dropped. Default: ignore. */
  readonly onError?: (error: Error) => void;
  /**
   * How long close() lets frames already queued to the right neighbour
   * still leave (the PUSH's ZeroMQ linger), in ms. A rank finishes its last
   * allreduce while its own last forward may still sit in that queue (an
   * awaited send() only means queued); the neighbour needs it to finish
   * too. Default 5000. A process that exits within this time waits for the
   * queue (at most this long) before it ends.
   */
  readonly drainMs?: number;
  /**
   * CURVE on the ring: the PULL becomes a CURVE server with this worker's
   * key pair whose ZAP handler lets in only the keys of the membership
   * given to connect() (`peerKeys`), and each PUSH a CURVE client towards
   * the right neighbour's key. Default: off (plain TCP: anyone who reaches
   * the port can send RING_CHUNKs, which are then only checked for form).
   */
  readonly curve?: RingCurveOptions;
}

/** The CURVE server side of a ring PULL: its context's ZAP handler and the keys it lets in. */
interface RingCurveServer {
  readonly options: RingCurveOptions;
  readonly zap: ZapHandler;
  /** Public keys of the current membership, read by the ZAP handler at every handshake. */
  readonly allowed: Set<string>;
}

/** Default of RingTransportOptions.drainMs. */
const DEFAULT_DRAIN_MS = 5000;

/** Default hold of a connection whose key is not (yet) a member, and the PULL's handshake timeout. */
const DEFAULT_RING_HANDSHAKE_TIMEOUT_MS = 10_000;

function contextOf(header: { type: string; generation: number; step: number }): { type: string; generation: number; step: number } {
  return { type: header.type, generation: header.generation, step: header.step };
}

/** Mailbox key of one ring message. */
export function ringKey(generation: number, step: number, phase: number, bucket: number, round: number): string {
  return `${generation}/${step}/${phase}/${bucket}/${round}`;
}

/**
 * A worker's ring sockets: a PULL bound at `endpoint` (announced in HELLO)
 * on which the left neighbour's RING_CHUNKs arrive, and a PUSH connected to
 * the right neighbour's endpoint (replaced on every connect()). Received
 * chunks are decoded and held by (generation, step, phase, bucket, round)
 * until the RingReducer takes them: a neighbour that runs ahead, even into
 * the next generation, loses nothing; chunks of an older generation are
 * dropped.
 */
export class RingTransport {
  private readonly mailbox: Mailbox<Envelope<RingChunkHeader>>;
  private readonly loop: Promise<void>;
  private push: Push | undefined;
  private sends: SendQueue | undefined;
  private currentGeneration = -1;
  private rightEndpoint: string | undefined;
  private readonly eventLoop: Promise<void> | undefined;

  private constructor(
    private readonly pull: Pull,
    /** The endpoint to announce in HELLO, e.g. `tcp://127.0.0.1:40123`. */
    readonly endpoint: string,
    private readonly options: RingTransportOptions,
    private readonly curve: RingCurveServer | undefined,
    private readonly scavenger: ReceivedFrameScavenger,
  ) {
    this.mailbox = new Mailbox(options.maxHeld ?? 4096);
    this.loop = this.receiveLoop();
    this.eventLoop = curve === undefined ? undefined : this.watchHandshakes(curve.options);
  }

  static async bind(options: RingTransportOptions = {}): Promise<RingTransport> {
    checkEndpoint(options.bindEndpoint ?? 'tcp://127.0.0.1:*', 'bind');
    const scavenger = new ReceivedFrameScavenger(options.scavengeEveryBytes);
    const curve = await startCurveServer(options.curve);
    const pull = new Pull({
      linger: 0,
      ...heartbeatSocketOptions(options.heartbeat),
      ...(curve === undefined
        ? {}
        : {
            context: curve.context,
            curveServer: true,
            curveSecretKey: z85(curve.options.keyPair.secretKey, 'ring secret'),
            zapDomain: 'ganglion-ring',
            handshakeInterval: curve.options.handshakeTimeoutMs ?? DEFAULT_RING_HANDSHAKE_TIMEOUT_MS,
          }),
    });
    const bindEndpoint = options.bindEndpoint ?? 'tcp://127.0.0.1:*';
    try {
      await pull.bind(bindEndpoint);
    } catch (error) {
      pull.close();
      await curve?.zap.close();
      throw new Error(`Ring transport could not bind ${bindEndpoint}: ${(error as Error).message}. Choose a free port or interface.`, {
        cause: error,
      });
    }
    let endpoint = pull.lastEndpoint ?? bindEndpoint;
    if (options.advertiseHost !== undefined) {
      endpoint = endpoint.replace(/^tcp:\/\/(\[[^\]]*\]|[^:]*):/, `tcp://${options.advertiseHost}:`);
    }
    return new RingTransport(pull, endpoint, options, curve, scavenger);
  }

  /** This worker's CURVE public key, for HELLO's `curvePublicKey`; undefined without CURVE. */
  get publicKey(): string | undefined {
    return this.curve?.options.keyPair.publicKey;
  }

  get generation(): number {
    return this.currentGeneration;
  }

  /** The right neighbour's endpoint, once connected. */
  get right(): string | undefined {
    return this.rightEndpoint;
  }

  /**
   * Adopts `membership`: connects a fresh PUSH to the right neighbour
   * `peers[(rank + 1) % worldSize]` (none for a world of one) and drops held
   * chunks of older generations. Messages still queued to the old neighbour
   * are discarded (linger 0).
   *
   * With CURVE, `peerKeys` (one public key per rank) must come with it:
   * from now on only those keys get through the PULL's handshake, and the
   * PUSH checks that the right neighbour holds the secret of its key.
   */
  connect(membership: Membership): void {
    if (this.pull.closed) {
      throw new SocketClosedError('The ring transport is closed.');
    }
    const { generation, rank, worldSize, peers } = membership;
    if (worldSize > 1 && peers.length !== worldSize) {
      throw new ProtocolError('unexpected-message', `The ring needs one endpoint per rank: got ${peers.length} for world size ${worldSize}.`);
    }
    const peerKeys = this.adoptPeerKeys(membership);
    this.currentGeneration = generation;
    this.mailbox.discard((_key, envelope) => envelope.header.generation < generation);
    this.push?.close();
    this.push = undefined;
    this.sends = undefined;
    this.rightEndpoint = undefined;
    if (worldSize === 1) {
      return;
    }
    const rightRank = (rank + 1) % worldSize;
    const right = peers[rightRank];
    const push = new Push({
      linger: 0,
      sendTimeout: this.options.sendTimeoutMs ?? 10_000,
      ...heartbeatSocketOptions(this.options.heartbeat),
      ...(this.curve === undefined || peerKeys === undefined ? {} : curveClientSocketOptions({ keyPair: this.curve.options.keyPair, serverKey: peerKeys[rightRank] })),
    });
    push.connect(right);
    this.push = push;
    this.sends = new SendQueue((frames) => push.send(frames));
    this.rightEndpoint = right;
  }

  /** Sends a RING_CHUNK to the right neighbour. f32 payloads are not copied: see RingReducer for why that is safe. */
  send(init: Extract<MessageInit, { type: 'RING_CHUNK' }>, payload: PayloadInit): Promise<void> {
    if (this.sends === undefined) {
      return Promise.reject(new SocketClosedError('The ring transport has no right neighbour: connect() it with a membership of world size > 1 first.'));
    }
    return this.sends.push(encodeMessage(init, payload));
  }

  /**
   * Hands the chunk sent for `key` (see ringKey) to `read` as soon as it has
   * arrived, and resolves with what read returns. Read out what you need:
   * the chunk's frames should die with read (see Mailbox for why).
   */
  take<R>(key: string, read: (envelope: Envelope<RingChunkHeader>) => R, options?: WaitOptions): Promise<R> {
    return this.mailbox.take(key, read, options);
  }

  /**
   * Closes both sockets. Frames already queued to the right neighbour still
   * leave for up to `drainMs` (see RingTransportOptions.drainMs): closing
   * right after the last allreduce must not take the neighbour's last
   * chunk with it.
   */
  async close(): Promise<void> {
    if (this.push !== undefined && !this.push.closed) {
      this.push.linger = this.options.drainMs ?? DEFAULT_DRAIN_MS;
      this.push.close();
    }
    this.push = undefined;
    this.sends = undefined;
    if (!this.pull.closed) {
      this.pull.close();
    }
    this.mailbox.close(new SocketClosedError('The ring transport was closed.'));
    await Promise.all([this.loop, this.eventLoop]);
    await this.curve?.zap.close();
  }

  /** With CURVE: lets exactly the membership's keys through the PULL's handshake and returns them; without: checks none were sent. */
  private adoptPeerKeys(membership: Membership): readonly string[] | undefined {
    const { worldSize, peerKeys } = membership;
    if (this.curve === undefined) {
      if (peerKeys !== undefined && peerKeys.length > 0) {
        throw new ProtocolError(
          'unexpected-message',
          "The job's ring runs CURVE (WELCOME carries peerKeys) but this worker's ring socket was bound without keys: give the worker its key pair (--curve-secret).",
        );
      }
      return undefined;
    }
    if (worldSize > 1 && peerKeys?.length !== worldSize) {
      throw new ProtocolError(
        'unexpected-message',
        `This worker's ring runs CURVE and needs every rank's public key (WELCOME.peerKeys), got ${peerKeys?.length ?? 'none'} for world size ${worldSize}. ` +
          'Run the coordinator with CURVE (--curve-secret and --allow) and the same Ganglion version.',
      );
    }
    const keys = worldSize > 1 ? (peerKeys as readonly string[]) : [];
    this.curve.allowed.clear();
    for (const key of keys) this.curve.allowed.add(z85(key, 'ring peer public'));
    this.curve.zap.recheck();
    return keys;
  }

  /**
   * Reports connections refused before the ZAP handler is asked: a plain
   * TCP peer or a CURVE client that does not know this worker's public key
   * (both fail the handshake as a protocol error). Reads the events in
   * receive mode (see CoordinatorSocket.watchEvents); ends with the PULL.
   */
  private async watchHandshakes(curve: RingCurveOptions): Promise<void> {
    await watchSocketEvents(this.pull.events, () => this.pull.closed, (event) => {
      if (event.type === 'handshake:error:protocol') {
        curve.onRefused?.('(no CURVE handshake with this worker\'s key: plain TCP, or the wrong server key)', event.address);
      }
    });
  }

  private async receiveLoop(): Promise<void> {
    const report = this.options.onError ?? (() => undefined);
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await this.pull.receive();
      } catch (error) {
        if ((error as { code?: string }).code === 'EAGAIN' && !this.pull.closed) {
          // Spurious: zeromq.js saw the PULL readable, but the message was gone by the time it read (seen with
          // CURVE when a neighbour's PUSH is replaced). No receive timeout is set, so nothing timed out: read on.
          continue;
        }
        if (!this.pull.closed) {
          report(new Error(`Ring transport receive failed: ${(error as Error).message}`, { cause: error }));
          this.pull.close();
        }
        this.mailbox.close(new SocketClosedError('The ring transport stopped receiving.'));
        return;
      }
      this.scavenger.received(frames);
      const result = decodeMessage(frames, this.options.limits);
      if (!result.ok) {
        report(result.error);
        continue;
      }
      const { header } = result.envelope;
      if (header.type !== 'RING_CHUNK') {
        report(new ProtocolError('unexpected-message', `Ring endpoint received ${header.type}; only RING_CHUNK travels between workers.`, contextOf(header)));
        continue;
      }
      if (header.generation < this.currentGeneration) {
        continue; // From before the last membership change: by design, silently dropped.
      }
      const refused = this.mailbox.put(
        ringKey(header.generation, header.step, header.phase, header.bucket, header.round),
        result.envelope as Envelope<RingChunkHeader>,
      );
      if (refused !== null) {
        report(new ProtocolError('unexpected-message', `Dropped RING_CHUNK from rank ${header.rank}: ${refused}.`, contextOf(header)));
      }
    }
  }
}

/** The CURVE server side of a ring PULL, in its own zeromq Context (one ZAP handler per context). */
async function startCurveServer(options: RingCurveOptions | undefined): Promise<(RingCurveServer & { readonly context: Context }) | undefined> {
  if (options === undefined) return undefined;
  const context = new Context();
  const allowed = new Set<string>();
  const zap = await ZapHandler.start(context, {
    allow: allowed,
    onRefused: options.onRefused,
    holdUnknownMs: options.handshakeTimeoutMs ?? DEFAULT_RING_HANDSHAKE_TIMEOUT_MS,
  });
  return { options, zap, allowed, context };
}
