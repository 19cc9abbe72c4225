import type { CoordinatorSocket, HelloHeader } from '@ganglion/comm';

/** A refusal to send back as ERROR. */
export interface CurveRefusal {
  readonly code: 'curve-key-missing' | 'curve-key-unauthenticated';
  readonly reason: string;
}

/**
 * Checks a HELLO's CURVE key on a CURVE coordinator: the worker must
 * declare one (`curvePublicKey`), and a handshake with that very key must
 * have passed the allow-list. zeromq.js does not tell which key a message
 * came with, so the declared key is matched against those the ZAP handler
 * authenticated rather than against the HELLO's own connection: a worker
 * can only declare a key that is on the allow-list and in use. The
 * declared key is what the other workers' ring sockets admit and check
 * the worker's ring socket against, so a worker that declares a key whose
 * secret it does not hold can break the ring but not read or inject
 * anything on it. Undefined when the HELLO may go on, and always without
 * CURVE.
 */
export function curveKeyRefusal(hello: HelloHeader, socket: Pick<CoordinatorSocket, 'curve' | 'isAuthenticatedKey'>): CurveRefusal | undefined {
  if (!socket.curve) return undefined;
  const key = hello.curvePublicKey;
  if (key === undefined) {
    return {
      code: 'curve-key-missing',
      reason: "This coordinator runs CURVE: HELLO must carry the worker's public key (curvePublicKey). Run the same Ganglion version on every machine.",
    };
  }
  if (!socket.isAuthenticatedKey(key)) {
    return {
      code: 'curve-key-unauthenticated',
      reason: `HELLO declares the CURVE key ${key}, but no connection to this coordinator authenticated with it: announce the key this worker connects with.`,
    };
  }
  return undefined;
}

/** WELCOME.peerKeys for a ring on a CURVE coordinator (each rank's key, by rank); nothing otherwise. */
export function ringPeerKeys(
  socket: Pick<CoordinatorSocket, 'curve'>,
  reducer: string,
  ranked: readonly { readonly hello: HelloHeader }[],
): { peerKeys?: string[] } {
  if (!socket.curve || reducer !== 'ring') return {};
  return { peerKeys: ranked.map((member) => member.hello.curvePublicKey as string) };
}
