import type { ChildProcess } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { CoordinatorSocket, DEFAULT_BUCKET_BYTES, isEnvelopeOf, StarAggregator } from '@ganglion/comm';
import { runRankProcesses } from '../harness/rank-processes';
import { floatsIn, type ReduceCase, type ReduceRuns } from './reduce-cases';
import type { RankRequest, RingPortMessage } from './reduce-rank-child';
import { StreamReader, writeAll } from '../harness/stream-reader';

const RANK_SCRIPT = join(__dirname, 'reduce-rank-child.ts');
const WAIT = { timeoutMs: 60_000 };

/**
 * Times one allreduce case with each rank in its own process: resolves
 * with, for each measured run, the time of the slowest rank (ms).
 */
export async function timeReduceCase(reduceCase: ReduceCase, runs: ReduceRuns, timeoutMs: number): Promise<number[]> {
  switch (reduceCase.method) {
    case 'star':
    case 'ring':
      return timeReducer(reduceCase, runs, timeoutMs);
    case 'tcp-ring':
    case 'zmq-ring':
      return timeRawRing(reduceCase.method, reduceCase, runs, timeoutMs);
    case 'tcp-star':
      return timeTcpStar(reduceCase, runs, timeoutMs);
    case 'tcp-stream':
      throw new Error('raw TCP stream is timed only in the alternated ring measurement (alternated-ring-child.ts).');
  }
}

/** Runs every rank (see runRankProcesses); resolves with each run's time on the slowest rank. */
async function runRanks(
  requests: readonly RankRequest[],
  timeoutMs: number,
  onMessage?: (message: unknown, child: ChildProcess) => void,
): Promise<number[]> {
  const perRank = await runRankProcesses<number[]>(RANK_SCRIPT, requests, timeoutMs, onMessage);
  return perRank[0].map((_, run) => Math.max(...perRank.map((times) => times[run])));
}

/** The star or ring reducer, with the coordinator's socket (and the star's averaging) in this process. */
async function timeReducer(reduceCase: ReduceCase, runs: ReduceRuns, timeoutMs: number): Promise<number[]> {
  const { worldSize } = reduceCase;
  const coordinator = await CoordinatorSocket.bind({ endpoint: 'tcp://127.0.0.1:*' });
  const aggregator = new StarAggregator(coordinator);
  try {
    const floats = floatsIn(reduceCase.mebibytes);
    const requests = Array.from({ length: worldSize }, (_, rank): RankRequest => ({
      kind: 'reducer',
      rank,
      endpoint: coordinator.endpoint,
      floats,
      ...runs,
    }));
    const times = runRanks(requests, timeoutMs);
    times.catch(() => undefined); // observed below; keeps an early failure from being unhandled
    const hellos = new Map<string, string>();
    const deadline = Date.now() + timeoutMs;
    while (hellos.size < worldSize && Date.now() < deadline) {
      const incoming = await Promise.race([coordinator.receive(WAIT), times.then(() => undefined)]);
      if (incoming === undefined) break;
      if (incoming.ok && isEnvelopeOf(incoming.envelope, 'HELLO')) hellos.set(incoming.peer, incoming.envelope.header.ringEndpoint ?? '');
    }
    const peers = [...hellos.keys()].sort();
    aggregator.setMembership(1, peers);
    coordinator.route('GRADS', (incoming) => {
      if (isEnvelopeOf(incoming.envelope, 'GRADS')) {
        void aggregator.accept(incoming.peer, incoming.envelope).then((result) => {
          if (result.status === 'refused') console.error(result.error.message);
        });
      }
    });
    for (const [rank, peer] of peers.entries()) {
      await coordinator.send(peer, {
        type: 'WELCOME',
        generation: 1,
        step: 0,
        rank,
        worldSize,
        seed: 1,
        pipeline: { path: 'bench', hash: 'bench', options: {} },
        reducer: { name: reduceCase.method, bucketBytes: DEFAULT_BUCKET_BYTES, fp16: reduceCase.fp16 },
        peers: reduceCase.method === 'ring' ? peers.map((p) => hellos.get(p) as string) : [],
      });
    }
    return await times;
  } finally {
    await coordinator.close();
  }
}

/** Raw TCP (node:net) or raw ZeroMQ in a ring: this process only tells each rank where its neighbour listens. */
function timeRawRing(method: 'tcp-ring' | 'zmq-ring', reduceCase: ReduceCase, runs: ReduceRuns, timeoutMs: number): Promise<number[]> {
  const { worldSize } = reduceCase;
  const floats = floatsIn(reduceCase.mebibytes);
  const ports = new Array<number>(worldSize).fill(0);
  const waiting: ChildProcess[] = [];
  const requests = Array.from({ length: worldSize }, (_, rank): RankRequest =>
    method === 'tcp-ring' ? { kind: 'tcp-ring', rank, worldSize, floats, ...runs } : { kind: 'zmq-ring', rank, worldSize, floats, ...runs },
  );
  return runRanks(requests, timeoutMs, (message, child) => {
    const port = message as RingPortMessage;
    if (port.kind !== 'port') return;
    ports[port.rank] = port.port;
    waiting.push(child);
    if (waiting.length === worldSize) for (const rank of waiting) rank.send({ kind: 'ports', ports } satisfies RingPortMessage);
  });
}

/** Raw TCP to a hub in this process: it reads every rank's vector, then sends each as many bytes back. */
async function timeTcpStar(reduceCase: ReduceCase, runs: ReduceRuns, timeoutMs: number): Promise<number[]> {
  const { worldSize } = reduceCase;
  const floats = floatsIn(reduceCase.mebibytes);
  const server = createServer();
  const sockets: Socket[] = [];
  const connected = new Promise<void>((resolve) =>
    server.on('connection', (socket: Socket) => {
      socket.setNoDelay(true);
      sockets.push(socket);
      if (sockets.length === worldSize) resolve();
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the hub has no TCP port');
  const requests = Array.from({ length: worldSize }, (_, rank): RankRequest => ({ kind: 'tcp-star', rank, hubPort: address.port, floats, ...runs }));
  const times = runRanks(requests, timeoutMs);
  times.catch(() => undefined);
  const hub = (async () => {
    await connected;
    const readers = sockets.map((socket) => new StreamReader(socket));
    const vectors = sockets.map(() => Buffer.alloc(floats * 4));
    const token = Buffer.alloc(1);
    for (let run = 0; run < runs.warmup + runs.runs; run++) {
      await Promise.all(readers.map((reader) => reader.readInto(Buffer.alloc(1))));
      await Promise.all(sockets.map((socket) => writeAll(socket, token)));
      await Promise.all(readers.map((reader, i) => reader.readInto(vectors[i])));
      await Promise.all(sockets.map((socket, i) => writeAll(socket, vectors[(i + 1) % worldSize])));
    }
  })();
  try {
    const [result] = await Promise.all([times, Promise.race([hub, times])]);
    return result;
  } finally {
    for (const socket of sockets) socket.destroy();
    server.close();
  }
}
