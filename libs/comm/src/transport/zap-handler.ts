import { type Context, Router } from 'zeromq';
import { SendQueue } from './send-queue';
import { z85Encode } from './z85-encode';

/** The inproc endpoint libzmq sends ZAP requests to (RFC 27). */
export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

export interface ZapHandlerOptions {
  /**
   * Z85 public keys allowed to connect over CURVE. Read at every request:
   * an owner may change the set it passed (then call recheck()).
   */
  readonly allow: ReadonlySet<string>;
  /** Told about every refused key with the peer's address. Default: ignore. */
  readonly onRefused?: (publicKey: string, address: string) => void;
  /** Told about every accepted key with the peer's address, before the handshake completes. Default: ignore. */
  readonly onAccepted?: (publicKey: string, address: string) => void;
  /**
   * How long a CURVE key that is not on `allow` is held unanswered, in
   * case recheck() adds it, before it counts as refused. Default 0:
   * refused at once with status 400, after which libzmq's client gives up
   * for good. With a hold the handler never answers 400: when the hold
   * ends it reports the refusal and leaves the request unanswered, so the
   * server socket's handshake timeout (`handshakeInterval`, set it to
   * about the hold) drops the connection and an honest client that was
   * only early (e.g. a ring neighbour that read its WELCOME first)
   * reconnects and is let in once its key is allowed.
   */
  readonly holdUnknownMs?: number;
}

/** A ZAP request waiting for its key to be allowed. */
interface HeldRequest {
  readonly curveKey: string;
  readonly address: string;
  readonly reply: (allowed: boolean) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * A ZAP handler (ZeroMQ RFC 27) for CURVE servers: a ROUTER bound to
 * `inproc://zeromq.zap.01` in the server socket's own context. libzmq asks
 * it about every CURVE handshake; it answers 200 for a client public key on
 * the allow-list and 400 for any other (the handshake then fails and the
 * client never gets a message through), or, with `holdUnknownMs`, holds
 * the answer for an unknown key (see there). zeromq.js ships no handler,
 * and with none bound libzmq accepts every key.
 *
 * Request frames (after the routing id and the empty delimiter): version
 * "1.0", request id, domain, address, identity, mechanism, credentials
 * (for CURVE: the 32-byte client public key). Reply: "", "1.0", request id,
 * status code, status text, user id, metadata.
 *
 * One handler per context: give each CURVE server its own Context.
 */
export class ZapHandler {
  private readonly loop: Promise<void>;
  private readonly replies: SendQueue;
  private readonly held = new Set<HeldRequest>();

  private constructor(
    private readonly router: Router,
    private readonly options: ZapHandlerOptions,
  ) {
    this.replies = new SendQueue((frames) => this.router.send(frames));
    this.loop = this.serve();
  }

  /** Binds the handler in `context` (the same context as the CURVE server socket). */
  static async start(context: Context, options: ZapHandlerOptions): Promise<ZapHandler> {
    const router = new Router({ context, linger: 0 });
    try {
      await router.bind(ZAP_ENDPOINT);
    } catch (error) {
      router.close();
      throw new Error(`Could not start the CURVE allow-list (ZAP handler) in this context: ${(error as Error).message}. Give each CURVE server its own zeromq Context.`, {
        cause: error,
      });
    }
    return new ZapHandler(router, options);
  }

  /** Answers every held request whose key `allow` now holds (call after changing the set). */
  recheck(): void {
    for (const request of [...this.held]) {
      if (this.options.allow.has(request.curveKey)) this.settle(request, true);
    }
  }

  async close(): Promise<void> {
    for (const request of [...this.held]) {
      clearTimeout(request.timer);
      this.held.delete(request);
    }
    if (!this.router.closed) this.router.close();
    await this.loop;
  }

  private async serve(): Promise<void> {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await this.router.receive();
      } catch {
        return; // Closed.
      }
      const [routingId, delimiter, version, requestId, , addressFrame, , mechanism, ...credentials] = frames;
      if (routingId === undefined || requestId === undefined) continue;
      const curveKey = mechanism?.toString() === 'CURVE' && credentials[0]?.length === 32 ? z85Encode(credentials[0]) : undefined;
      const address = addressFrame?.toString() ?? '?';
      const reply = (allowed: boolean): void => {
        const text = ['1.0', requestId, allowed ? '200' : '400', allowed ? 'OK' : 'Public key not on the allow-list', allowed ? (curveKey ?? '') : '', ''];
        const frames = [routingId, delimiter ?? Buffer.alloc(0), ...text.map((frame) => (typeof frame === 'string' ? Buffer.from(frame) : frame))];
        void this.replies.push(frames).catch(() => undefined); // Closed while answering.
      };
      if (version?.toString() !== '1.0' || curveKey === undefined) {
        this.options.onRefused?.(`(${mechanism?.toString() ?? 'no'} mechanism, no CURVE key)`, address);
        reply(false);
      } else if (this.options.allow.has(curveKey)) {
        this.options.onAccepted?.(curveKey, address);
        reply(true);
      } else if ((this.options.holdUnknownMs ?? 0) > 0) {
        const request: HeldRequest = {
          curveKey,
          address,
          reply,
          timer: setTimeout(() => this.expire(request), this.options.holdUnknownMs),
        };
        this.held.add(request);
      } else {
        this.options.onRefused?.(curveKey, address);
        reply(false);
      }
    }
  }

  private settle(request: HeldRequest, allowed: boolean): void {
    clearTimeout(request.timer);
    this.held.delete(request);
    if (allowed) this.options.onAccepted?.(request.curveKey, request.address);
    request.reply(allowed);
  }

  /** The hold ran out: report the refusal, answer nothing (the server's handshake timeout closes the connection). */
  private expire(request: HeldRequest): void {
    this.held.delete(request);
    this.options.onRefused?.(request.curveKey, request.address);
  }
}
