import { z85 } from './z85-key';

/** A CURVE key pair, both keys as 40-character Z85 text (what `zmq.curveKeyPair()` returns). */
export interface CurveKeyPair {
  /** The public key, safe to share. */
  readonly publicKey: string;
  /** The secret key; keep it private (files at mode 0600). */
  readonly secretKey: string;
}

/** CURVE settings of the coordinator's ROUTER: its own key pair and the client keys allowed to connect. */
export interface CurveServerOptions {
  /** The server's key pair; clients need its public key. */
  readonly keyPair: CurveKeyPair;
  /** Z85 public keys of the clients allowed to connect; every other key is refused in the handshake. */
  readonly allow: ReadonlySet<string>;
  /** Told (from the ZAP handler) about every client key that was refused, with its address. Default: ignore. */
  readonly onRefused?: (publicKey: string, address: string) => void;
}

/**
 * CURVE on a worker's ring sockets: the PULL is a CURVE server with this
 * worker's key pair that lets in only the keys of the current membership
 * (WELCOME.peerKeys); the PUSH is a CURVE client, with the same pair,
 * towards the right neighbour's key.
 */
export interface RingCurveOptions {
  /** This worker's key pair (the one it connects to the coordinator with; its public key goes in HELLO). */
  readonly keyPair: CurveKeyPair;
  /** Told about every refused connection: the client's key (or why it had none) and its address. Default: ignore. */
  readonly onRefused?: (publicKey: string, address: string) => void;
  /**
   * A connection whose key is not (yet) in the membership is held this
   * long, in case the WELCOME naming it is still on its way, then refused
   * and dropped; an honest early neighbour reconnects. Default 10000.
   */
  readonly handshakeTimeoutMs?: number;
}

/** CURVE settings of a client (DEALER) socket. */
export interface CurveClientOptions {
  /** The client's own key pair; its public key must be on the server's allow-list. */
  readonly keyPair: CurveKeyPair;
  /** The server's Z85 public key. */
  readonly serverKey: string;
}

/** Socket options for a CURVE client. */
export function curveClientSocketOptions(curve: CurveClientOptions): { curvePublicKey: string; curveSecretKey: string; curveServerKey: string } {
  return { curvePublicKey: z85(curve.keyPair.publicKey, 'client public'), curveSecretKey: z85(curve.keyPair.secretKey, 'client secret'), curveServerKey: z85(curve.serverKey, 'server public') };
}
