import { type Context, Router } from 'zeromq';
import { z85Encode } from './z85-encode';

/** The inproc endpoint libzmq sends ZAP requests to (RFC 27). */
export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

export interface ZapHandlerOptions {
  /** Z85 public keys allowed to connect over CURVE. */
  readonly allow: ReadonlySet<string>;
  /** Told about every refused key with the peer's address. Default: ignore. */
  readonly onRefused?: (publicKey: string, address: string) => void;
}

/**
 * A ZAP handler (ZeroMQ RFC 27) for CURVE servers: a ROUTER bound to
 * `inproc://zeromq.zap.01` in the server socket's own context. libzmq asks
 * it about every CURVE handshake; it answers 200 for a client public key on
 * the allow-list and 400 for any other (the handshake then fails and the
 * client never gets a message through). zeromq.js ships no handler, and
 * with none bound libzmq accepts every key.
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

  private constructor(
    private readonly router: Router,
    private readonly options: ZapHandlerOptions,
  ) {
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

  async close(): Promise<void> {
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
      const [routingId, delimiter, version, requestId, , address, , mechanism, ...credentials] = frames;
      if (routingId === undefined || requestId === undefined) continue;
      const curveKey = mechanism?.toString() === 'CURVE' && credentials[0]?.length === 32 ? z85Encode(credentials[0]) : undefined;
      const allowed = version?.toString() === '1.0' && curveKey !== undefined && this.options.allow.has(curveKey);
      if (!allowed) this.options.onRefused?.(curveKey ?? `(${mechanism?.toString() ?? 'no'} mechanism, no CURVE key)`, address?.toString() ?? '?');
      const reply = [routingId, delimiter ?? Buffer.alloc(0), '1.0', requestId, allowed ? '200' : '400', allowed ? 'OK' : 'Public key not on the allow-list', allowed ? (curveKey ?? '') : '', ''];
      try {
        await this.router.send(reply);
      } catch {
        return; // Closed while answering.
      }
    }
  }
}
