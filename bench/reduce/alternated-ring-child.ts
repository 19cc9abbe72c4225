/**
 * Child process of the suite: one rank of the alternated ring measurement
 * (alternated-ring-timing.ts). In the same process and the same minutes it
 * times, call after call in turn, the raw TCP ring (node:net, the ring
 * allreduce's rounds without arithmetic: tcp-ring-rounds.ts), the raw TCP
 * stream (node:net, the same bytes streamed at once, no rounds), the bare ZeroMQ ring
 * (PUSH/PULL, the ring's 2(N-1) rounds of one chunk, no arithmetic), and
 * RingReducer's allreduce in f32 and fp16 (into a reused output, as
 * training does). Each call follows a 1-float ring allreduce as a barrier.
 * On this VM per-call times come in regimes of many seconds (every method,
 * raw node:net included), so methods timed in separate processes seconds
 * apart can land in different ones; alternating call by call cannot.
 */
import { createConnection, createServer, type Socket } from 'node:net';
import { Pull, Push } from 'zeromq';
import { atomicMarkingForLargeMessages, RingReducer, RingTransport } from '@ganglion/comm';
import { replyToParent } from '../harness/child-process';
import { allRanksDone } from '../harness/rank-processes';
import { startStopwatch } from '../harness/stopwatch';
import { StreamReader, writeAll } from '../harness/stream-reader';
import { ringBytesPerRank } from './reduce-cases';
import { tcpRingRounds } from './tcp-ring-rounds';
import { ALTERNATED_METHODS, type AlternatedMethod, type AlternatedRankMessage, type AlternatedRankRequest } from './alternated-ring-cases';

function nextMessage<K extends AlternatedRankMessage['kind']>(kind: K): Promise<Extract<AlternatedRankMessage, { kind: K }>> {
  return new Promise((resolve) => {
    const onMessage = (message: AlternatedRankMessage) => {
      if (message.kind !== kind) return;
      process.off('message', onMessage);
      resolve(message as Extract<AlternatedRankMessage, { kind: K }>);
    };
    process.on('message', onMessage);
  });
}

async function main(request: AlternatedRankRequest): Promise<Record<AlternatedMethod, number[]>> {
  atomicMarkingForLargeMessages(); // as a worker does
  const { rank, worldSize: n, floats } = request;
  const ring = await RingTransport.bind();
  const pull = new Pull({ linger: 0 });
  await pull.bind('tcp://127.0.0.1:*');
  const server = createServer();
  const fromLeft = new Promise<Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const peersMessage = nextMessage('peers');
  process.send?.({ kind: 'listening', rank, ring: ring.endpoint, zmq: pull.lastEndpoint ?? '', tcpPort: (server.address() as { port: number }).port } satisfies AlternatedRankMessage);
  const peers = await peersMessage;

  const reducer = new RingReducer(ring, { timeoutMs: 60_000 });
  await reducer.configure({ generation: 1, rank, worldSize: n, peers: peers.ring });
  const push = new Push({ linger: 0 });
  push.connect(peers.zmq[(rank + 1) % n]);
  const right = createConnection({ host: '127.0.0.1', port: peers.tcpPorts[(rank + 1) % n] });
  await new Promise((resolve) => right.once('connect', resolve));
  const left = await fromLeft;
  right.setNoDelay(true);
  left.setNoDelay(true);
  const reader = new StreamReader(left);

  const outgoing = Buffer.alloc(ringBytesPerRank(floats * 4, n), 1);
  const incoming = Buffer.alloc(outgoing.length);
  // One frame per round, never mutated (zeromq.js does not copy frames above 128 bytes).
  const chunks = Array.from({ length: 2 * (n - 1) }, (_, round) => Buffer.from(new Float32Array(Math.ceil(floats / n)).fill(round).buffer));
  const incomingChunk = Buffer.alloc(chunks[0].length);
  const values = new Float32Array(floats).map((_, i) => (i % 7) * 0.1 + rank);
  const output = new Float32Array(floats);
  const barrier = new Float32Array(1);
  let step = 0;
  const call = (vector: Float32Array, into?: Float32Array, fp16?: boolean) => reducer.allreduce(vector, 1, { generation: 1, step: step++, phase: 0, into, fp16 });
  const calls: Record<AlternatedMethod, () => Promise<unknown>> = {
    'raw TCP ring': () => tcpRingRounds(right, reader, chunks, incomingChunk),
    'raw TCP stream': () => Promise.all([writeAll(right, outgoing), reader.readInto(incoming)]),
    'raw ZeroMQ ring': async () => {
      for (const chunk of chunks) await Promise.all([push.send(chunk), pull.receive()]);
    },
    'ring f32': () => call(values, output),
    'ring fp16': () => call(values, output, true),
  };
  const times = Object.fromEntries(ALTERNATED_METHODS.map((method) => [method, [] as number[]])) as Record<AlternatedMethod, number[]>;
  for (let run = 0; run < request.warmup + request.runs; run++) {
    for (const method of ALTERNATED_METHODS) {
      await call(barrier);
      const stop = startStopwatch();
      await calls[method]();
      if (run >= request.warmup) times[method].push(stop().wallMs);
    }
  }
  await call(barrier);
  await allRanksDone();
  push.linger = 5000;
  push.close();
  pull.close();
  left.destroy();
  right.destroy();
  server.close();
  await reducer.close();
  return times;
}

replyToParent(() => main(JSON.parse(process.argv[2] ?? '{}') as AlternatedRankRequest));
