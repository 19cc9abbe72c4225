import { Container } from 'inversify';
import { commModule } from '../comm-module';
import { ProtocolError } from '../protocol/protocol-error';
import type { Membership } from './gradient-reducer';
import { GradientReducerRegistry, createDefaultReducerRegistry } from './gradient-reducer-registry';
import { ReduceAbortedError, ReduceContextError, ReduceTimeoutError, ReducerDependencyError, UnknownReducerError } from './reducer-errors';
import { RingReducer } from './ring-reducer';
import { RingTransport } from './ring-transport';
import { LocalCluster } from './testing/local-cluster';

jest.setTimeout(30_000);

/** n RingReducers wired to each other directly (no coordinator). */
async function ring(worldSize: number, timeoutMs: number): Promise<{ reducers: RingReducer[]; configure(generation: number): Promise<void> }> {
  const transports = await Promise.all(Array.from({ length: worldSize }, () => RingTransport.bind()));
  const reducers = transports.map((transport) => new RingReducer(transport, { timeoutMs }));
  const peers = transports.map((t) => t.endpoint);
  const configure = async (generation: number): Promise<void> => {
    await Promise.all(reducers.map((reducer, rank) => reducer.configure({ generation, rank, worldSize, peers })));
  };
  await configure(1);
  return { reducers, configure };
}

describe('reducer failures', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function ringOf(worldSize: number, timeoutMs = 10_000) {
    const r = await ring(worldSize, timeoutMs);
    closers.push(async () => {
      for (const reducer of r.reducers) await reducer.close();
    });
    return r;
  }

  it('registry: unknown names and missing transports are named errors', async () => {
    const registry = createDefaultReducerRegistry();
    expect(registry.names()).toEqual(['star', 'ring']);
    expect(() => registry.create('tree', {}, {})).toThrow(UnknownReducerError);
    expect(() => registry.create('tree', {}, {})).toThrow(/No gradient reducer named "tree"; choose one of: star, ring/);
    expect(() => registry.create('ring', {}, {})).toThrow(ReducerDependencyError);
    expect(() => registry.create('star', {}, {})).toThrow(/needs the worker's WorkerSocket/);
    expect(() => registry.register('star', () => undefined as never)).toThrow(/already registered/);
    const transport = await RingTransport.bind();
    const reducer = registry.create('ring', { bucketBytes: 1024, fp16: true }, { ringTransport: transport });
    closers.push(() => reducer.close());
    expect(reducer.name).toBe('ring');
    expect(reducer.getConfig()).toEqual({ name: 'ring', bucketBytes: 1024, fp16: true, timeoutMs: 120_000 });
    expect(() => registry.create('ring', { bucketBytes: 2 }, { ringTransport: transport })).toThrow(/bucketBytes must be an integer of at least 4/);
  });

  it('commModule binds one registry with the built-in strategies', async () => {
    const container = new Container();
    await container.load(commModule);
    const registry = container.get(GradientReducerRegistry);
    expect(registry).toBe(container.get(GradientReducerRegistry));
    expect(registry.names()).toEqual(['star', 'ring']);
  });

  it('refuses calls out of order, naming what to do', async () => {
    const transport = await RingTransport.bind();
    const reducer = new RingReducer(transport);
    closers.push(() => reducer.close());
    const values = new Float32Array(4);
    await expect(reducer.allreduce(values, 1, { generation: 1, step: 0, phase: 0 })).rejects.toThrow(/call configure\(\) with the WELCOME's membership first/);
    await reducer.configure({ generation: 1, rank: 0, worldSize: 1, peers: [] });
    await expect(reducer.allreduce(values, 1, { generation: 2, step: 0, phase: 0 })).rejects.toBeInstanceOf(ReduceContextError);
    await expect(reducer.allreduce(values, -1, { generation: 1, step: 0, phase: 0 })).rejects.toThrow(/weight must be a finite number >= 0/);
    await expect(reducer.allreduce(values, NaN, { generation: 1, step: 0, phase: 0 })).rejects.toBeInstanceOf(RangeError);
    await reducer.allreduce(values, 1, { generation: 1, step: 5, phase: 1 });
    await expect(reducer.allreduce(values, 1, { generation: 1, step: 5, phase: 1 })).rejects.toThrow(/may not repeat or go back/);
    await expect(reducer.allreduce(values, 1, { generation: 1, step: 4, phase: 3 })).rejects.toBeInstanceOf(ReduceContextError);
    await expect(reducer.configure({ generation: 0, rank: 0, worldSize: 1, peers: [] })).rejects.toThrow(/older than the current 1/);
    await expect(reducer.configure({ generation: 2, rank: 2, worldSize: 2, peers: ['a', 'b'] })).rejects.toThrow(/not a valid membership/);
    await expect(reducer.configure({ generation: 2, rank: 0, worldSize: 2, peers: [] })).rejects.toThrow(/needs the ring endpoint of every rank/);
  });

  it('times out when a peer never calls', async () => {
    const { reducers } = await ringOf(2, 300);
    const started = Date.now();
    await expect(reducers[0].allreduce(new Float32Array(100), 1, { generation: 1, step: 1, phase: 0 })).rejects.toThrow(ReduceTimeoutError);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('time this process did not run is not a stall: a ring blocked past its timeout completes once it runs again', async () => {
    const { reducers } = await ringOf(2, 2000);
    const calls = reducers.map((reducer, rank) => reducer.allreduce(Float32Array.of(rank, 2 * rank), 1, { generation: 1, step: 1, phase: 0 }));
    // Nothing is sent or read while the event loop is blocked (a stopped process, a long step); then the stall timers run first.
    // They fire about 2.5 s late, and then wait 2 s more: the exchange (milliseconds) completes in that time.
    const until = Date.now() + 4500;
    while (Date.now() < until) {
      // busy
    }
    for (const result of await Promise.all(calls)) expect(Array.from(result)).toEqual([0.5, 1]);
  });

  it('a stalled ring names the left neighbour that did not deliver, and what came before the stall', async () => {
    // Rank 2 never calls: rank 0 waits for its round 0; rank 1 got round 0 from rank 0 and waits for round 1.
    const { reducers } = await ringOf(3, 300);
    const results = await Promise.allSettled([0, 1].map((r) => reducers[r].allreduce(new Float32Array(30), 1, { generation: 1, step: 4, phase: 1 })));
    const errors = results.map((result) => (result as PromiseRejectedResult).reason as ReduceTimeoutError);
    for (const error of errors) expect(error).toBeInstanceOf(ReduceTimeoutError);
    expect(errors[0].stall).toEqual({ generation: 1, step: 4, phase: 1, suspectRank: 2, received: 0, awaiting: expect.stringMatching(/^bucket 0 round 0 from rank 2 \(the left neighbour, tcp:/), stalledMs: 300 });
    expect(errors[1].stall).toMatchObject({ suspectRank: 0, received: 1, awaiting: expect.stringMatching(/^bucket 0 round 1 from rank 0 /) });
    expect(errors[0].message).toMatch(/made no progress for 300 ms: waiting for bucket 0 round 0 from rank 2/);
  });

  it('star: a stalled call says it waits for the coordinator and names no peer', async () => {
    const cluster = await LocalCluster.start({ strategy: 'star', worldSize: 2, reducer: { timeoutMs: 300 } });
    closers.push(() => cluster.close());
    const call = cluster.ranks[0].reducer.allreduce(new Float32Array(10), 1, { generation: cluster.generation, step: 1, phase: 0 });
    const error = await call.then(() => undefined, (reason: unknown) => reason as ReduceTimeoutError);
    expect(error).toBeInstanceOf(ReduceTimeoutError);
    expect(error?.stall).toMatchObject({ suspectRank: null, received: 0, awaiting: expect.stringMatching(/^AVG for 1 of 1 bucket from the coordinator/) });
  });

  it('aborts on the caller signal and on a membership change, then works in the new generation', async () => {
    const { reducers, configure } = await ringOf(3);
    const controller = new AbortController();
    const first = reducers[0].allreduce(new Float32Array(10), 1, { generation: 1, step: 1, phase: 0, signal: controller.signal });
    controller.abort(new Error('ctrl-c'));
    await expect(first).rejects.toThrow(ReduceAbortedError);
    await expect(first).rejects.toThrow(/aborted by the caller/);

    // Ranks 0 and 1 start step 2; rank 2 never does: a membership change abandons it.
    const pending = [0, 1].map((r) => reducers[r].allreduce(Float32Array.of(r, r, r), 1, { generation: 1, step: 2, phase: 0 }));
    const settled = Promise.allSettled(pending);
    await configure(2);
    for (const result of await settled) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(ReduceAbortedError);
      expect(String((result as PromiseRejectedResult).reason)).toMatch(/membership changed to generation 2/);
    }

    // Generation 2 reduces the same step cleanly; leftovers of generation 1 are ignored.
    const vectors = [Float32Array.of(1, 2, 3), Float32Array.of(4, 5, 6), Float32Array.of(7, 8, 9)];
    const results = await Promise.all(reducers.map((reducer, r) => reducer.allreduce(vectors[r], r + 1, { generation: 2, step: 2, phase: 0 })));
    // (1*[1,2,3] + 2*[4,5,6] + 3*[7,8,9]) / 6
    for (const result of results) {
      Array.from(result).forEach((v, i) => expect(v).toBeCloseTo([5, 6, 7][i], 5));
    }
  });

  it('ring: a rank passing another length fails with a ProtocolError that says so', async () => {
    const { reducers } = await ringOf(2, 2000);
    const calls = [
      reducers[0].allreduce(new Float32Array(100), 1, { generation: 1, step: 1, phase: 0 }),
      reducers[1].allreduce(new Float32Array(90), 1, { generation: 1, step: 1, phase: 0 }),
    ];
    const results = await Promise.allSettled(calls);
    const reasons = results.map((r) => (r.status === 'rejected' ? r.reason : null));
    expect(reasons.some((reason) => reason instanceof ProtocolError && /every rank must reduce vectors of the same length/.test(reason.message))).toBe(true);
    expect(reasons.every((reason) => reason instanceof Error)).toBe(true);
  });

  it('star: the coordinator refuses a bucket layout that differs between ranks; the workers time out', async () => {
    const cluster = await LocalCluster.start({ strategy: 'star', worldSize: 2, reducer: { timeoutMs: 500 } });
    closers.push(() => cluster.close());
    const lengths = [100, 90];
    const results = await Promise.allSettled(
      cluster.ranks.map((rank, r) => rank.reducer.allreduce(new Float32Array(lengths[r]), 1, { generation: cluster.generation, step: 1, phase: 0 })),
    );
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(ReduceTimeoutError);
    expect(cluster.refusals).toHaveLength(1);
    const refusal = cluster.refusals[0];
    expect(refusal.status === 'refused' && refusal.error.message).toMatch(/every rank must reduce the same variables with the same bucketBytes/);
  });

  it('a world of one returns a copy without any socket traffic', async () => {
    const transport = await RingTransport.bind();
    const reducer = new RingReducer(transport);
    closers.push(() => reducer.close());
    const membership: Membership = { generation: 0, rank: 0, worldSize: 1, peers: [] };
    await reducer.configure(membership);
    const input = Float32Array.of(1, 2, 3);
    const output = await reducer.allreduce(input, 3, { generation: 0, step: 0, phase: 0 });
    expect(output).not.toBe(input);
    expect(Array.from(output)).toEqual([1, 2, 3]);
    expect(transport.right).toBeUndefined();
  });
});
