/**
 * Times a 4 MB allreduce between 2 ranks, each in its own Node process (no
 * shared event loop), with the star reducer (coordinator in this parent
 * process) and the ring reducer, next to raw loopback TCP (node:net)
 * moving the same bytes as the ceiling. Prints medians over --runs runs
 * (default 30) after --warmup runs (default 5).
 *
 *   npx tsx libs/comm/src/reduce-timings.ts [--runs 30] [--warmup 5] [--floats 1048576]
 *
 * Each measured call is preceded by a 1-float allreduce as a barrier, so
 * both ranks start together; a run's time is the slower rank's.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { type Socket, createConnection, createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { isEnvelopeOf } from './protocol/message-codec';
import { membershipFromWelcome } from './reduce/gradient-reducer';
import { createDefaultReducerRegistry } from './reduce/gradient-reducer-registry';
import { RingTransport } from './reduce/ring-transport';
import { StarAggregator } from './reduce/star-aggregator';
import { CoordinatorSocket } from './transport/coordinator-socket';
import { WorkerSocket } from './transport/worker-socket';

const WORLD_SIZE = 2;
const WAIT = { timeoutMs: 30_000 };

interface Settings {
  readonly runs: number;
  readonly warmup: number;
  readonly floats: number;
}

interface ReduceCase {
  readonly label: string;
  readonly reducer: 'star' | 'ring';
  readonly bucketBytes: number;
  readonly fp16: boolean;
}

type ChildMessage = { kind: 'port'; port: number } | { kind: 'times'; rank: number; times: number[] } | { kind: 'error'; message: string };

function readSettings(argv: readonly string[]): Settings {
  const value = (name: string, fallback: number): number => {
    const index = argv.indexOf(`--${name}`);
    if (index < 0) return fallback;
    const parsed = Number(argv[index + 1]);
    if (!Number.isInteger(parsed) || parsed < 1) {
      throw new Error(`--${name} needs a positive integer, got ${JSON.stringify(argv[index + 1])}.`);
    }
    return parsed;
  };
  return { runs: value('runs', 30), warmup: value('warmup', 5), floats: value('floats', 1_048_576) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function randomVector(length: number, seed: number): Float32Array {
  const values = new Float32Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    values[i] = state / 2 ** 32 - 0.5;
  }
  return values;
}

// ---------------------------------------------------------------- children

/** A rank: HELLO, WELCOME, then timed allreduces; reports its times over IPC. */
async function reduceRank(rank: number, endpoint: string, settings: Settings): Promise<number[]> {
  const socket = WorkerSocket.connect({ endpoint, workerId: `rank-${rank}` });
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
      pipelineHash: 'timings',
    });
    const received = await socket.receive(WAIT);
    if (!received.ok || !isEnvelopeOf(received.envelope, 'WELCOME')) {
      throw new Error(`rank ${rank} expected WELCOME, got ${received.ok ? received.envelope.header.type : received.error.message}`);
    }
    const welcome = received.envelope.header;
    const reducer = createDefaultReducerRegistry().create(
      welcome.reducer.name,
      { bucketBytes: welcome.reducer.bucketBytes, fp16: welcome.reducer.fp16, timeoutMs: 30_000 },
      { workerSocket: socket, ringTransport: ring },
    );
    await reducer.configure(membershipFromWelcome(welcome));
    const values = randomVector(settings.floats, rank + 1);
    const barrier = new Float32Array(1);
    const times: number[] = [];
    for (let run = 0; run < settings.warmup + settings.runs; run++) {
      const context = { generation: welcome.generation, step: run };
      await reducer.allreduce(barrier, 1, { ...context, phase: 0 });
      const started = performance.now();
      await reducer.allreduce(values, rank + 1, { ...context, phase: 1 });
      if (run >= settings.warmup) times.push(performance.now() - started);
    }
    await reducer.close();
    return times;
  } finally {
    await ring.close();
    await socket.close();
  }
}

/** Reads a TCP stream in exact-sized pieces, keeping what arrives early for the next read. */
class StreamReader {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private wake: (() => void) | undefined;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      this.wake?.();
    });
  }

  /** Fills `target` completely. */
  async readInto(target: Buffer): Promise<void> {
    let filled = 0;
    while (filled < target.length) {
      if (this.chunks.length === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
        continue;
      }
      const chunk = this.chunks[0];
      const take = Math.min(chunk.length, target.length - filled);
      chunk.copy(target, filled, 0, take);
      filled += take;
      this.buffered -= take;
      if (take === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(take);
    }
  }
}

function write(socket: Socket, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => socket.write(data, (error) => (error ? reject(error) : resolve())));
}

/**
 * Raw TCP between the two ranks. 'exchange': both send `bytes` at once and
 * wait for the other's (the ring's traffic pattern per rank). 'roundtrip':
 * rank 0 sends, rank 1 answers with as many bytes (a star worker's pattern).
 */
async function tcpRank(rank: number, pattern: 'exchange' | 'roundtrip', port: number | undefined, settings: Settings): Promise<number[]> {
  const bytes = settings.floats * 4;
  let socket: Socket;
  let server: ReturnType<typeof createServer> | undefined;
  if (rank === 0) {
    server = createServer();
    const accepted = new Promise<Socket>((resolve) => server?.once('connection', resolve));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP port');
    process.send?.({ kind: 'port', port: address.port } satisfies ChildMessage);
    socket = await accepted;
  } else {
    socket = createConnection({ host: '127.0.0.1', port: port as number });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  }
  socket.setNoDelay(true);
  const outgoing = Buffer.from(randomVector(settings.floats, rank + 1).buffer);
  const incoming = Buffer.alloc(bytes);
  const reader = new StreamReader(socket);
  const token = Buffer.alloc(1);
  const received = Buffer.alloc(1);
  const times: number[] = [];
  for (let run = 0; run < settings.warmup + settings.runs; run++) {
    // Barrier: one byte each way.
    await Promise.all([write(socket, token), reader.readInto(received)]);
    const started = performance.now();
    if (pattern === 'exchange') {
      await Promise.all([write(socket, outgoing), reader.readInto(incoming)]);
    } else if (rank === 0) {
      await Promise.all([write(socket, outgoing), reader.readInto(incoming)]);
    } else {
      await reader.readInto(incoming);
      await write(socket, outgoing);
    }
    if (run >= settings.warmup) times.push(performance.now() - started);
  }
  socket.destroy();
  server?.close();
  return times;
}

async function child(argv: readonly string[]): Promise<void> {
  const [, , , kind, rankText, extra] = argv;
  const settings = readSettings(argv);
  const rank = Number(rankText);
  try {
    const times =
      kind === 'reduce'
        ? await reduceRank(rank, extra, settings)
        : await tcpRank(rank, kind === 'tcp-exchange' ? 'exchange' : 'roundtrip', extra === '-' ? undefined : Number(extra), settings);
    process.send?.({ kind: 'times', rank, times } satisfies ChildMessage);
  } catch (error) {
    process.send?.({ kind: 'error', message: (error as Error).stack ?? String(error) } satisfies ChildMessage);
    process.exitCode = 1;
  }
}

// ------------------------------------------------------------------ parent

function spawnRank(args: readonly string[], settings: Settings): ChildProcess {
  return fork(__filename, ['child', ...args, '--runs', String(settings.runs), '--warmup', String(settings.warmup), '--floats', String(settings.floats)], {
    execArgv: process.execArgv,
  });
}

/** Collects each rank's times; resolves with the per-run maximum over ranks. */
function collectTimes(children: readonly ChildProcess[], onPort?: (port: number) => void): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const byRank = new Map<number, number[]>();
    for (const worker of children) {
      worker.on('message', (message: ChildMessage) => {
        if (message.kind === 'port') onPort?.(message.port);
        if (message.kind === 'error') reject(new Error(`a rank failed: ${message.message}`));
        if (message.kind === 'times') {
          byRank.set(message.rank, message.times);
          if (byRank.size === children.length) {
            const runs = [...byRank.values()];
            resolve(runs[0].map((_, i) => Math.max(...runs.map((times) => times[i]))));
          }
        }
      });
      worker.on('exit', (code) => code !== 0 && reject(new Error(`a rank exited with code ${code}`)));
    }
  });
}

async function timeReducer(reduceCase: ReduceCase, settings: Settings): Promise<number[]> {
  const coordinator = await CoordinatorSocket.bind({ endpoint: 'tcp://127.0.0.1:*' });
  const aggregator = new StarAggregator(coordinator);
  try {
    const children = Array.from({ length: WORLD_SIZE }, (_, rank) => spawnRank(['reduce', String(rank), coordinator.endpoint], settings));
    const times = collectTimes(children);
    const hellos = new Map<string, string>();
    while (hellos.size < WORLD_SIZE) {
      const incoming = await coordinator.receive(WAIT);
      if (incoming.ok && isEnvelopeOf(incoming.envelope, 'HELLO')) {
        hellos.set(incoming.peer, incoming.envelope.header.ringEndpoint ?? '');
      }
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
        worldSize: WORLD_SIZE,
        seed: 1,
        pipeline: { path: 'reduce-timings', hash: 'timings', options: {} },
        reducer: { name: reduceCase.reducer, bucketBytes: reduceCase.bucketBytes, fp16: reduceCase.fp16 },
        peers: reduceCase.reducer === 'ring' ? peers.map((p) => hellos.get(p) as string) : [],
      });
    }
    return await times;
  } finally {
    await coordinator.close();
  }
}

async function timeTcp(pattern: 'tcp-exchange' | 'tcp-roundtrip', settings: Settings): Promise<number[]> {
  const first = spawnRank([pattern, '0', '-'], settings);
  const secondStarted = new Promise<ChildProcess>((resolve) => {
    first.on('message', (message: ChildMessage) => {
      if (message.kind === 'port') {
        resolve(spawnRank([pattern, '1', String(message.port)], settings));
      }
    });
  });
  const firstTimes = collectTimes([first]);
  const secondTimes = secondStarted.then((worker) => collectTimes([worker]));
  const [a, b] = await Promise.all([firstTimes, secondTimes]);
  return a.map((t, i) => Math.max(t, b[i]));
}

function report(label: string, times: readonly number[], bytes: number): void {
  const ms = median(times);
  console.log(
    `${label.padEnd(46)} median ${ms.toFixed(2).padStart(7)} ms   p10 ${quantile(times, 0.1).toFixed(2).padStart(7)}   p90 ${quantile(times, 0.9).toFixed(2).padStart(7)}   (${((bytes / 2 ** 30) / (ms / 1000)).toFixed(2)} GiB/s of vector)`,
  );
}

async function main(): Promise<void> {
  const settings = readSettings(process.argv);
  const bytes = settings.floats * 4;
  const megabytes = (bytes / 2 ** 20).toFixed(1);
  console.log(`allreduce of ${settings.floats} float32 (${megabytes} MiB), ${WORLD_SIZE} ranks in separate processes, ${settings.runs} runs after ${settings.warmup} warm-up\n`);
  report(`raw TCP: both send ${megabytes} MiB at once`, await timeTcp('tcp-exchange', settings), bytes);
  report(`raw TCP: ${megabytes} MiB there and back`, await timeTcp('tcp-roundtrip', settings), bytes);
  const cases: ReduceCase[] = [
    { label: 'star (coordinator process), f32, 4 MiB buckets', reducer: 'star', bucketBytes: 4 << 20, fp16: false },
    { label: 'star, f32, 1 MiB buckets', reducer: 'star', bucketBytes: 1 << 20, fp16: false },
    { label: 'ring, f32, 4 MiB buckets', reducer: 'ring', bucketBytes: 4 << 20, fp16: false },
    { label: 'ring, f32, 1 MiB buckets', reducer: 'ring', bucketBytes: 1 << 20, fp16: false },
    { label: 'star, fp16 frames', reducer: 'star', bucketBytes: 4 << 20, fp16: true },
    { label: 'ring, fp16 frames', reducer: 'ring', bucketBytes: 4 << 20, fp16: true },
  ];
  for (const reduceCase of cases) {
    report(reduceCase.label, await timeReducer(reduceCase, settings), bytes);
  }
}

if (process.argv[2] === 'child') {
  void child(process.argv);
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
