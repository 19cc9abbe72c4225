import { isEnvelopeOf } from '../../protocol/message-codec';
import type { WelcomeHeader } from '../../protocol/messages';
import { CoordinatorSocket } from '../../transport/coordinator-socket';
import { WorkerSocket } from '../../transport/worker-socket';
import { type GradientReducer, type ReducerOptions, membershipFromWelcome } from '../gradient-reducer';
import { createDefaultReducerRegistry } from '../gradient-reducer-registry';
import { RingTransport } from '../ring-transport';
import { type StarAcceptResult, StarAggregator } from '../star-aggregator';
import { testHello } from './test-hello';

export interface LocalClusterOptions {
  readonly strategy: 'star' | 'ring';
  readonly worldSize: number;
  readonly reducer?: ReducerOptions;
  /** Bound on every wait while starting up, in ms. Default 10000. */
  readonly startTimeoutMs?: number;
}

/** One worker: its sockets and its reducer. */
export interface LocalRank {
  readonly workerId: string;
  readonly socket: WorkerSocket;
  readonly ring: RingTransport | undefined;
  readonly reducer: GradientReducer;
  readonly welcome: WelcomeHeader;
}

/**
 * A coordinator and `worldSize` workers in one process, each with its own
 * real sockets on 127.0.0.1, joined through the real HELLO / WELCOME
 * exchange (tests and examples only). The coordinator routes GRADS to a
 * StarAggregator; for the ring it only hands out the peers list.
 */
export class LocalCluster {
  private constructor(
    readonly coordinator: CoordinatorSocket,
    readonly aggregator: StarAggregator,
    readonly ranks: readonly LocalRank[],
    readonly generation: number,
    /** Every GRADS the aggregator refused, for assertions. */
    readonly refusals: readonly StarAcceptResult[],
  ) {}

  static async start(options: LocalClusterOptions): Promise<LocalCluster> {
    const wait = { timeoutMs: options.startTimeoutMs ?? 10_000 };
    const coordinator = await CoordinatorSocket.bind({ endpoint: 'tcp://127.0.0.1:*' });
    const aggregator = new StarAggregator(coordinator);
    const sockets: WorkerSocket[] = [];
    const rings: RingTransport[] = [];
    try {
      for (let i = 0; i < options.worldSize; i++) {
        const workerId = `worker-${i}`;
        const socket = WorkerSocket.connect({ endpoint: coordinator.endpoint, workerId });
        sockets.push(socket);
        const ring = options.strategy === 'ring' ? await RingTransport.bind() : undefined;
        if (ring) rings.push(ring);
        await socket.send(testHello(workerId, { ringEndpoint: ring?.endpoint ?? null, pipelineHash: 'test' }));
      }
      // Coordinator: collect the HELLOs and rank workers by id.
      const hellos = new Map<string, string | null>();
      while (hellos.size < options.worldSize) {
        const incoming = await coordinator.receive(wait);
        if (incoming.ok && isEnvelopeOf(incoming.envelope, 'HELLO')) {
          hellos.set(incoming.peer, incoming.envelope.header.ringEndpoint);
        }
      }
      const peers = [...hellos.keys()].sort();
      const generation = 1;
      aggregator.setMembership(generation, peers);
      const refusals: StarAcceptResult[] = [];
      coordinator.route('GRADS', (incoming) => {
        if (isEnvelopeOf(incoming.envelope, 'GRADS')) {
          void aggregator.accept(incoming.peer, incoming.envelope).then((result) => {
            if (result.status === 'refused') refusals.push(result);
          });
        }
      });
      const ringPeers = options.strategy === 'ring' ? peers.map((peer) => hellos.get(peer) as string) : [];
      for (const [rank, peer] of peers.entries()) {
        await coordinator.send(peer, {
          type: 'WELCOME',
          generation,
          step: 0,
          rank,
          worldSize: peers.length,
          seed: 1,
          pipeline: { path: 'test.ts', hash: 'test', options: {} },
          reducer: {
            name: options.strategy,
            bucketBytes: options.reducer?.bucketBytes ?? 4 * 1024 * 1024,
            fp16: options.reducer?.fp16 ?? false,
          },
          peers: ringPeers,
        });
      }
      // Workers: adopt the WELCOME, build the reducer by name.
      const registry = createDefaultReducerRegistry();
      const ranks: LocalRank[] = [];
      for (const [index, socket] of sockets.entries()) {
        const received = await socket.receive(wait);
        if (!received.ok || !isEnvelopeOf(received.envelope, 'WELCOME')) {
          throw new Error(`worker-${index} expected WELCOME, got ${received.ok ? received.envelope.header.type : received.error.message}`);
        }
        const welcome = received.envelope.header;
        const reducer = registry.create(
          welcome.reducer.name,
          { ...options.reducer, bucketBytes: welcome.reducer.bucketBytes, fp16: welcome.reducer.fp16 },
          { workerSocket: socket, ringTransport: rings[index] },
        );
        await reducer.configure(membershipFromWelcome(welcome));
        ranks.push({ workerId: socket.workerId, socket, ring: rings[index], reducer, welcome });
      }
      ranks.sort((a, b) => a.welcome.rank - b.welcome.rank);
      return new LocalCluster(coordinator, aggregator, ranks, generation, refusals);
    } catch (error) {
      await Promise.all([...sockets.map((s) => s.close()), ...rings.map((r) => r.close()), coordinator.close()]);
      throw error;
    }
  }

  get worldSize(): number {
    return this.ranks.length;
  }

  /** Every rank reduces its own vector at once (as separate processes would). */
  allreduce(
    vectors: readonly Float32Array[],
    weights: readonly number[],
    context: { step: number; phase?: number; fp16?: boolean; into?: readonly Float32Array[] },
  ): Promise<Float32Array[]> {
    return Promise.all(
      this.ranks.map((rank, r) =>
        rank.reducer.allreduce(vectors[r], weights[r], {
          generation: this.generation,
          step: context.step,
          phase: context.phase ?? 0,
          fp16: context.fp16,
          into: context.into?.[r],
        }),
      ),
    );
  }

  async close(): Promise<void> {
    for (const rank of this.ranks) {
      await rank.reducer.close();
      await rank.ring?.close();
      await rank.socket.close();
    }
    await this.coordinator.close();
  }
}
