import type { Socket } from 'node:net';
import { type StreamReader, writeAll } from '../harness/stream-reader';

/**
 * The ring allreduce's traffic over raw node:net, without its arithmetic:
 * one round per chunk in `chunks` (2(N-1) of vector/N each), each writing
 * its chunk to the right neighbour while reading one of the same size from
 * the left into `incoming`. A round starts only once the previous round's
 * chunk has arrived, as the ring's do (its round k+1 forwards what round k
 * received): the same data dependency, so the ring's ceiling in its own
 * pattern. A rank streaming all its bytes at once (`raw TCP stream`) has no
 * such dependency and no ring can match it.
 */
export async function tcpRingRounds(right: Socket, left: StreamReader, chunks: readonly Buffer[], incoming: Buffer): Promise<void> {
  for (const chunk of chunks) await Promise.all([writeAll(right, chunk), left.readInto(incoming)]);
}
