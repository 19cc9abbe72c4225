/**
 * Child process of the suite: one rank of an allreduce measurement. The
 * parent (reduce-timing.ts) forks N of these with a JSON request:
 * - `reducer`: HELLO to the parent's coordinator socket, WELCOME, then
 *   timed allreduces with the reducer the WELCOME names (star or ring);
 * - `tcp-ring`: raw node:net sockets in a ring, the ring allreduce's
 *   rounds without its arithmetic (tcp-ring-rounds.ts: 2(N-1) rounds of
 *   writing one chunk right while reading one from the left): the ring's
 *   ceiling;
 * - `tcp-star`: raw node:net to the parent's hub, send the vector and read
 *   as many bytes back (the star's ceiling);
 * - `zmq-ring`: raw ZeroMQ PUSH/PULL in a ring (the sockets RingTransport
 *   uses), the ring allreduce's rounds without its arithmetic or codec:
 *   2(N-1) rounds of sending one chunk right while receiving one from the
 *   left.
 * Each measured call follows a barrier so all ranks start together; the
 * reply is this rank's times in ms.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { Pull, Push } from 'zeromq';
import {
  atomicMarkingForLargeMessages,
  createDefaultReducerRegistry,
  isEnvelopeOf,
  membershipFromWelcome,
  RingTransport,
  WorkerSocket,
} from '@ganglion/comm';
import { replyToParent } from '../harness/child-process';
import { allRanksDone } from '../harness/rank-processes';
import { startStopwatch } from '../harness/stopwatch';
import type { ReduceRuns } from './reduce-cases';
import { tcpRingRounds } from './tcp-ring-rounds';
import { StreamReader, writeAll } from '../harness/stream-reader';

/** What the parent asks one rank to do. */
export type RankRequest = ReduceRuns & { readonly rank: number; readonly floats: number } & (
    | { readonly kind: 'reducer'; readonly endpoint: string }
    | { readonly kind: 'tcp-ring'; readonly worldSize: number }
    | { readonly kind: 'zmq-ring'; readonly worldSize: number }
    | { readonly kind: 'tcp-star'; readonly hubPort: number }
  );

/** IPC between a tcp-ring rank and the parent, which tells every rank where the others listen. */
export type RingPortMessage = { readonly kind: 'port'; readonly rank: number; readonly port: number } | { readonly kind: 'ports'; readonly ports: readonly number[] };

const WAIT = { timeoutMs: 60_000 };

function randomVector(length: number, seed: number): Float32Array {
  const values = new Float32Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    values[i] = state / 2 ** 32 - 0.5;
  }
  return values;
}

async function reducerRank(request: RankRequest & { kind: 'reducer' }): Promise<number[]> {
  const { rank, endpoint } = request;
  const socket = WorkerSocket.connect({ endpoint, workerId: `bench-rank-${rank}` });
  const ring = await RingTransport.bind();
  try {
    await socket.send({
      type: 'HELLO',
      generation: 0,
      step: 0,
      workerId: socket.workerId,
      host: 'localhost',
      pid: process.pid,
      backend: 'none',
      devices: [],
      ringEndpoint: ring.endpoint,
      pipelineHash: 'bench',
    });
    const received = await socket.receive(WAIT);
    if (!received.ok || !isEnvelopeOf(received.envelope, 'WELCOME')) {
      throw new Error(`rank ${rank} expected WELCOME, got ${received.ok ? received.envelope.header.type : received.error.message}`);
    }
    const welcome = received.envelope.header;
    const reducer = createDefaultReducerRegistry().create(
      welcome.reducer.name,
      { bucketBytes: welcome.reducer.bucketBytes, fp16: welcome.reducer.fp16, timeoutMs: 60_000 },
      { workerSocket: socket, ringTransport: ring },
    );
    await reducer.configure(membershipFromWelcome(welcome));
    const values = randomVector(request.floats, rank + 1);
    const barrier = new Float32Array(1);
    // One output reused call after call, as a training step does (and DDP's in-place allreduce): fresh memory pays a
    // page fault per 4 KiB, which the raw TCP rows, reading into one buffer, do not.
    const output = new Float32Array(values.length);
    const times: number[] = [];
    for (let run = 0; run < request.warmup + request.runs; run++) {
      const context = { generation: welcome.generation, step: run };
      await reducer.allreduce(barrier, 1, { ...context, phase: 0 });
      const stop = startStopwatch();
      await reducer.allreduce(values, rank + 1, { ...context, phase: 1, into: output });
      if (run >= request.warmup) times.push(stop().wallMs);
    }
    await allRanksDone();
    await reducer.close();
    return times;
  } finally {
    await ring.close();
    await socket.close();
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('the TCP server has no port'));
      else resolve(address.port);
    });
  });
}

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => resolve(socket)).once('error', reject);
  });
}

function portsFromParent(): Promise<readonly number[]> {
  return new Promise((resolve) => {
    const onMessage = (message: RingPortMessage) => {
      if (message.kind === 'ports') {
        process.off('message', onMessage);
        resolve(message.ports);
      }
    };
    process.on('message', onMessage);
  });
}

async function tcpRingRank(request: RankRequest & { kind: 'tcp-ring' }): Promise<number[]> {
  const { rank, worldSize } = request;
  const server = createServer();
  const fromLeft = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const port = await listen(server);
  const ports = portsFromParent();
  process.send?.({ kind: 'port', rank, port } satisfies RingPortMessage);
  const right = await connect((await ports)[(rank + 1) % worldSize]);
  const left = await fromLeft;
  right.setNoDelay(true);
  left.setNoDelay(true);
  const reader = new StreamReader(left);
  const chunkFloats = Math.ceil(request.floats / worldSize);
  const chunks = Array.from({ length: 2 * (worldSize - 1) }, (_, round) => Buffer.from(randomVector(chunkFloats, rank * 64 + round + 1).buffer));
  const incoming = Buffer.alloc(chunkFloats * 4);
  const token = Buffer.alloc(1);
  const times: number[] = [];
  for (let run = 0; run < request.warmup + request.runs; run++) {
    // Barrier: after N-1 rounds of passing a byte right, every rank has heard from every other.
    for (let round = 0; round < worldSize - 1; round++) await Promise.all([writeAll(right, token), reader.readInto(Buffer.alloc(1))]);
    const stop = startStopwatch();
    await tcpRingRounds(right, reader, chunks, incoming);
    if (run >= request.warmup) times.push(stop().wallMs);
  }
  await allRanksDone();
  left.destroy();
  right.destroy();
  server.close();
  return times;
}

async function zmqRingRank(request: RankRequest & { kind: 'zmq-ring' }): Promise<number[]> {
  const { rank, worldSize } = request;
  const pull = new Pull({ linger: 0 });
  await pull.bind('tcp://127.0.0.1:*');
  const port = Number(/:(\d+)$/.exec(pull.lastEndpoint ?? '')?.[1]);
  const ports = portsFromParent();
  process.send?.({ kind: 'port', rank, port } satisfies RingPortMessage);
  const push = new Push({ linger: 0 });
  push.connect(`tcp://127.0.0.1:${(await ports)[(rank + 1) % worldSize]}`);
  // One frame per round, never mutated (zeromq.js does not copy frames above 128 bytes).
  const chunkFloats = Math.ceil(request.floats / worldSize);
  const rounds = 2 * (worldSize - 1);
  const chunks = Array.from({ length: rounds }, (_, round) => Buffer.from(randomVector(chunkFloats, rank * 64 + round + 1).buffer));
  const token = Buffer.alloc(1);
  const times: number[] = [];
  try {
    for (let run = 0; run < request.warmup + request.runs; run++) {
      for (let round = 0; round < worldSize - 1; round++) await Promise.all([push.send(token), pull.receive()]);
      const stop = startStopwatch();
      for (let round = 0; round < rounds; round++) await Promise.all([push.send(chunks[round]), pull.receive()]);
      if (run >= request.warmup) times.push(stop().wallMs);
    }
    await allRanksDone();
  } finally {
    // Our last chunk may still be queued while the right neighbour waits for it: let it leave (linger 0 here was
    // the "bare ZeroMQ ring stall" of the 2026-11-25 bench; see libs/comm/README.md).
    push.linger = 5000;
    push.close();
    pull.close();
  }
  return times;
}

async function tcpStarRank(request: RankRequest & { kind: 'tcp-star' }): Promise<number[]> {
  const socket = await connect(request.hubPort);
  socket.setNoDelay(true);
  const reader = new StreamReader(socket);
  const outgoing = Buffer.from(randomVector(request.floats, request.rank + 1).buffer);
  const incoming = Buffer.alloc(outgoing.length);
  const token = Buffer.alloc(1);
  const times: number[] = [];
  for (let run = 0; run < request.warmup + request.runs; run++) {
    await writeAll(socket, token); // barrier: the hub answers once every rank has written
    await reader.readInto(Buffer.alloc(1));
    const stop = startStopwatch();
    await Promise.all([writeAll(socket, outgoing), reader.readInto(incoming)]);
    if (run >= request.warmup) times.push(stop().wallMs);
  }
  await allRanksDone();
  socket.destroy();
  return times;
}

function main(request: RankRequest): Promise<number[]> {
  // As a worker does (worker-command.ts); every method alike, so that raw TCP and ZeroMQ get the same collector.
  atomicMarkingForLargeMessages();
  switch (request.kind) {
    case 'reducer':
      return reducerRank(request);
    case 'tcp-ring':
      return tcpRingRank(request);
    case 'tcp-star':
      return tcpStarRank(request);
    case 'zmq-ring':
      return zmqRingRank(request);
  }
}

replyToParent(() => main(JSON.parse(process.argv[2] ?? '{}') as RankRequest));
