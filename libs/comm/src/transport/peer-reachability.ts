import * as net from 'node:net';
import { tcpEndpointParts } from './network-address';

/**
 * Whether a TCP connection to `endpoint` opens within `timeoutMs`. The
 * connection is closed at once without sending a byte: a ZeroMQ socket
 * bound there sees a peer that left during the handshake
 * (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) and carries on; with CURVE it
 * never gets as far as the ZAP handler. Undefined for an endpoint that is
 * not TCP (ipc, inproc: nothing to probe).
 */
export function probeTcpEndpoint(endpoint: string, timeoutMs: number): Promise<boolean | undefined> {
  const parts = tcpEndpointParts(endpoint);
  if (parts === undefined) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const socket = net.connect({ host: parts.host, port: parts.port });
    const done = (reachable: boolean): void => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined); // a late RST after destroy() must not go unhandled
      socket.destroy();
      resolve(reachable);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The ranks whose ring endpoint (`peers[rank]`, WELCOME.peers) this rank
 * could not open a TCP connection to within `timeoutMs`, probed all at
 * once. A stalled ring says only which neighbour did not deliver; these
 * say whose link is down: a worker that reaches nobody while the others
 * reach each other is the one to drop (StallReports). A process that is
 * stopped but alive still answers (the kernel accepts for it), so this
 * tells a broken or choked link from a hung worker.
 */
export async function unreachablePeers(peers: readonly string[], self: number, timeoutMs: number): Promise<number[]> {
  const probes = peers.map((endpoint, rank) => (rank === self ? Promise.resolve(true) : probeTcpEndpoint(endpoint, timeoutMs)));
  const reachable = await Promise.all(probes);
  return reachable.flatMap((ok, rank) => (ok === false ? [rank] : []));
}
