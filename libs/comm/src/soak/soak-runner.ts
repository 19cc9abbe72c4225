import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { curveKeyPair } from 'zeromq';
import { isEnvelopeOf } from '../protocol/message-codec';
import { DEFAULT_BUCKET_BYTES } from '../reduce/gradient-reducer';
import { StarAggregator } from '../reduce/star-aggregator';
import { CoordinatorSocket } from '../transport/coordinator-socket';
import { withFrameMallocTunables } from '../transport/frame-malloc-tunables';
import type { SoakRankMessage, SoakRankRecord, SoakRankRequest } from './soak-ipc';

export interface SoakWorldOptions {
  readonly worldSize: number;
  readonly planSeed: number;
  readonly planCalls: number;
  readonly sizes: 'default' | 'short';
  /** See SoakPlanOptions.closingCalls. */
  readonly closingCalls: readonly number[];
  /** This world runs the plan's calls [from, to). */
  readonly from: number;
  readonly to: number;
  readonly delay: { readonly probability: number; readonly maxMs: number };
  /** A call slower than this (ms) is a stall: its ranks fail with ReduceTimeoutError. */
  readonly reduceTimeoutMs: number;
  /** The whole world is killed after this many ms (a bound for tests). */
  readonly deadlineMs: number;
  /** Told about progress (calls finished by every rank so far). */
  readonly onProgress?: (done: number) => void;
}

/** What one world of the soak did: every rank's record of every call it finished, and what went wrong. */
export interface SoakWorldResult {
  readonly worldSize: number;
  readonly records: readonly SoakRankRecord[];
  /** Rank failures (a reduce timeout is a stall), a killed world, a rank that exited early. */
  readonly failures: readonly string[];
  readonly seconds: number;
}

const RANK_SCRIPT = join(__dirname, 'soak-rank.ts');
const TSCONFIG = join(__dirname, '..', '..', '..', '..', 'tsconfig.json');

/**
 * Runs one world of the soak: this process is the coordinator (a plain and
 * a CURVE ROUTER, each with a StarAggregator) and forks `worldSize` rank
 * processes (soak-rank.ts, through tsx) that reduce with each other over
 * real ZeroMQ sockets on 127.0.0.1.
 */
export class SoakRunner {
  private readonly aggregators = new Map<CoordinatorSocket, StarAggregator>();

  constructor(private readonly options: SoakWorldOptions) {}

  async run(): Promise<SoakWorldResult> {
    const { worldSize } = this.options;
    const started = Date.now();
    const serverPair = curveKeyPair();
    const rankPairs = Array.from({ length: worldSize }, () => curveKeyPair());
    const plain = await CoordinatorSocket.bind({ endpoint: 'tcp://127.0.0.1:*' });
    const curve = await CoordinatorSocket.bind({ endpoint: 'tcp://127.0.0.1:*', curve: { keyPair: serverPair, allow: new Set(rankPairs.map((pair) => pair.publicKey)) } });
    const records: SoakRankRecord[] = [];
    const failures: string[] = [];
    const children: ChildProcess[] = [];
    try {
      for (const socket of [plain, curve]) this.routeGrads(socket, new StarAggregator(socket), failures);
      const exits = rankPairs.map((keyPair, index) => {
        const request: SoakRankRequest = {
          workerId: `soak-${String(index).padStart(2, '0')}`,
          plainEndpoint: plain.endpoint,
          curveEndpoint: curve.endpoint,
          serverKey: serverPair.publicKey,
          keyPair,
          planSeed: this.options.planSeed,
          planCalls: this.options.planCalls,
          sizes: this.options.sizes,
          closingCalls: this.options.closingCalls,
          from: this.options.from,
          to: this.options.to,
          delay: this.options.delay,
          timeoutMs: this.options.reduceTimeoutMs,
        };
        const child = fork(RANK_SCRIPT, [JSON.stringify(request)], {
          execArgv: ['--import', 'tsx'],
          env: withFrameMallocTunables({ ...process.env, TSX_TSCONFIG_PATH: TSCONFIG }), // as `ganglion launch` starts workers
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        children.push(child);
        return this.watch(child, request.workerId, records, failures);
      });
      await Promise.all([this.welcome(plain, rankPairs.map(() => undefined)), this.welcome(curve, rankPairs.map((pair) => pair.publicKey))]);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          failures.push(`world of ${worldSize}: killed after ${this.options.deadlineMs} ms with ${records.length} records`);
          for (const child of children) child.kill('SIGKILL');
          resolve();
        }, this.options.deadlineMs);
      });
      await Promise.race([Promise.all(exits), deadline]);
      clearTimeout(timer);
      await Promise.all(exits);
    } finally {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await plain.close();
      await curve.close();
    }
    return { worldSize, records, failures, seconds: (Date.now() - started) / 1000 };
  }

  private routeGrads(socket: CoordinatorSocket, aggregator: StarAggregator, failures: string[]): void {
    socket.route('GRADS', (incoming) => {
      if (!isEnvelopeOf(incoming.envelope, 'GRADS')) return;
      void aggregator.accept(incoming.peer, incoming.envelope).then(
        (result) => {
          if (result.status === 'refused') failures.push(`star refused GRADS: ${result.error.message}`);
        },
        (error: unknown) => failures.push(`star aggregator failed: ${(error as Error).message}`),
      );
    });
    this.aggregators.set(socket, aggregator);
  }

  /** HELLO from every rank, then WELCOME: ranks by worker id, the ring peers (and, with CURVE, their keys). */
  private async welcome(socket: CoordinatorSocket, keys: readonly (string | undefined)[]): Promise<void> {
    const { worldSize } = this.options;
    const hellos = new Map<string, { ringEndpoint: string; key?: string }>();
    while (hellos.size < worldSize) {
      const incoming = await socket.receive({ timeoutMs: 120_000 });
      if (incoming.ok && isEnvelopeOf(incoming.envelope, 'HELLO')) {
        const header = incoming.envelope.header;
        hellos.set(incoming.peer, { ringEndpoint: header.ringEndpoint ?? '', key: header.curvePublicKey });
      }
    }
    const peers = [...hellos.keys()].sort();
    this.aggregators.get(socket)?.setMembership(1, peers);
    const withKeys = keys.some((key) => key !== undefined);
    for (const [rank, peer] of peers.entries()) {
      await socket.send(peer, {
        type: 'WELCOME',
        generation: 1,
        step: 0,
        rank,
        worldSize,
        seed: 1,
        pipeline: { path: 'soak', hash: 'soak', options: {} },
        reducer: { name: 'ring', bucketBytes: DEFAULT_BUCKET_BYTES, fp16: false },
        peers: peers.map((id) => hellos.get(id)?.ringEndpoint ?? ''),
        ...(withKeys ? { peerKeys: peers.map((id) => hellos.get(id)?.key ?? '') } : {}),
      });
    }
  }

  private watch(child: ChildProcess, workerId: string, records: SoakRankRecord[], failures: string[]): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      child.on('message', (message: SoakRankMessage) => {
        if (message.kind === 'records') {
          records.push(...message.records);
          this.options.onProgress?.(records.length / this.options.worldSize);
        } else if (message.kind === 'failed') {
          failures.push(`world of ${this.options.worldSize}, rank ${message.rank}, call ${message.index}: ${message.error}`);
        } else {
          done = true;
        }
      });
      child.on('exit', (code, signal) => {
        if (!done) failures.push(`world of ${this.options.worldSize}: ${workerId} exited (${signal ?? `code ${code}`}) before it was done`);
        resolve();
      });
    });
  }
}
