import { Dealer } from 'zeromq';
import { pack } from 'msgpackr';
import { isEnvelopeOf } from '../protocol/message-codec';
import { CoordinatorSocket, type Incoming } from './coordinator-socket';
import { heartbeatSocketOptions } from './heartbeat-options';
import { PeerUnreachableError, SocketClosedError, WaitTimeoutError } from './transport-errors';
import { WorkerSocket } from './worker-socket';
import { testHello } from '../reduce/testing/test-hello';

const WAIT = { timeoutMs: 20_000 }; // an upper bound for a message that does come (CI shares two cores with other projects)

const hello = (workerId: string) => testHello(workerId);

describe('CoordinatorSocket and WorkerSocket over tcp://127.0.0.1', () => {
  const closers: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) {
      await close();
    }
  });

  async function coordinator(): Promise<CoordinatorSocket> {
    const socket = await CoordinatorSocket.bind({ endpoint: 'tcp://127.0.0.1:*' });
    closers.push(() => socket.close());
    return socket;
  }

  function worker(endpoint: string, workerId: string): WorkerSocket {
    const socket = WorkerSocket.connect({ endpoint, workerId });
    closers.push(() => socket.close());
    return socket;
  }

  it('exchanges HELLO / WELCOME, then STATE with weight frames, keyed by the worker id', async () => {
    const coord = await coordinator();
    expect(coord.endpoint).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const w = worker(coord.endpoint, 'worker-7');
    await w.send(hello('worker-7'));
    const incoming = await coord.receive(WAIT);
    expect(incoming.peer).toBe('worker-7');
    if (!incoming.ok || !isEnvelopeOf(incoming.envelope, 'HELLO')) throw new Error('expected HELLO');
    expect(incoming.envelope.header.pid).toBe(process.pid);

    await coord.send(incoming.peer, {
      type: 'WELCOME',
      generation: 1,
      step: 0,
      rank: 0,
      worldSize: 1,
      seed: 1,
      pipeline: { path: 'p.ts', hash: 'h', options: {} },
      reducer: { name: 'star', bucketBytes: 1 << 22, fp16: false },
      peers: [],
      syncState: 'receive',
    });
    const welcome = await w.receive(WAIT);
    if (!welcome.ok || !isEnvelopeOf(welcome.envelope, 'WELCOME')) throw new Error('expected WELCOME');
    expect(welcome.envelope.header.generation).toBe(1);

    const weights = new Float32Array(300_000).map((_, i) => Math.sin(i));
    await coord.send(incoming.peer, { type: 'STATE', generation: 1, step: 0, rank: 0, phase: 0, texts: {}, binaries: ['weights.bin'] }, { values: [weights] });
    const state = await w.receive(WAIT);
    if (!state.ok || !isEnvelopeOf(state.envelope, 'STATE')) throw new Error('expected STATE');
    const received = state.envelope.payload[0];
    expect(received).toHaveLength(weights.length);
    expect(Buffer.from(received.buffer, received.byteOffset, received.byteLength).equals(Buffer.from(weights.buffer))).toBe(true);
  });

  it('survives garbage from a raw peer, reporting it, and keeps receiving', async () => {
    const errors: Error[] = [];
    const coord = await CoordinatorSocket.bind({ endpoint: 'tcp://127.0.0.1:*', onError: (e) => errors.push(e) });
    closers.push(() => coord.close());
    const raw = new Dealer({ linger: 0, routingId: 'rogue' });
    closers.push(() => raw.close());
    raw.connect(coord.endpoint);
    await raw.send([Buffer.from([0xc1, 0x00])]);
    await raw.send([Buffer.from(pack({ type: 'STEP', protocol: 99, generation: 0, step: 0 }))]);
    await raw.send([Buffer.alloc(0)]);
    const w = worker(coord.endpoint, 'good');
    await w.send({ type: 'HEARTBEAT', generation: 0, step: 0, sentAtMs: 1 });

    const received: Incoming[] = [];
    for (let i = 0; i < 4; i++) received.push(await coord.receive(WAIT));
    const refused = received.filter((r) => !r.ok);
    expect(refused.map((r) => (r.ok ? '' : r.error.code)).sort()).toEqual(['empty-message', 'malformed-header', 'wrong-version']);
    expect(refused.every((r) => r.peer === 'rogue')).toBe(true);
    expect(received.find((r) => r.ok)?.peer).toBe('good');
    expect(errors.map((e) => e.message).join('\n')).toMatch(/From "rogue": Peer speaks protocol 99/);
  });

  it('rejects a send to an unknown peer with PeerUnreachableError (ROUTER mandatory), and keeps sending', async () => {
    const coord = await coordinator();
    const w = worker(coord.endpoint, 'known');
    await w.send(hello('known'));
    await coord.receive(WAIT);
    await expect(coord.send('nobody', { type: 'SHUTDOWN', generation: 0, step: 0, reason: 'x' })).rejects.toBeInstanceOf(PeerUnreachableError);
    await coord.send('known', { type: 'SHUTDOWN', generation: 0, step: 0, reason: 'done' });
    const shutdown = await w.receive(WAIT);
    expect(shutdown.ok && shutdown.envelope.header).toMatchObject({ type: 'SHUTDOWN', reason: 'done' });
  });

  it('routes a message type to a handler and queues the rest, in order', async () => {
    const coord = await coordinator();
    const w = worker(coord.endpoint, 'w');
    await w.send(hello('w'));
    await coord.receive(WAIT);
    const heartbeats: number[] = [];
    const unroute = w.route('HEARTBEAT', (envelope) => heartbeats.push(envelope.header.sentAtMs));
    for (let i = 0; i < 3; i++) {
      await coord.send('w', { type: 'HEARTBEAT', generation: 0, step: 0, sentAtMs: i });
      await coord.send('w', { type: 'STEP', generation: 0, step: i, through: i, checksumSteps: [], metricsThrough: -1 });
    }
    const steps: number[] = [];
    for (let i = 0; i < 3; i++) {
      const next = await w.receive(WAIT);
      if (next.ok) steps.push(next.envelope.header.step);
    }
    expect(steps).toEqual([0, 1, 2]);
    expect(heartbeats).toEqual([0, 1, 2]);
    expect(() => w.route('HEARTBEAT', () => undefined)).toThrow(/already routed/);
    unroute();
    await coord.send('w', { type: 'HEARTBEAT', generation: 0, step: 0, sentAtMs: 9 });
    const queued = await w.receive(WAIT);
    expect(queued.ok && queued.envelope.header.type).toBe('HEARTBEAT');
  });

  it('times out a receive, and ends receive and iteration on close', async () => {
    const coord = await coordinator();
    await expect(coord.receive({ timeoutMs: 50 })).rejects.toBeInstanceOf(WaitTimeoutError);
    const w = WorkerSocket.connect({ endpoint: coord.endpoint, workerId: 'x' });
    const pending = w.receive();
    const iterated: unknown[] = [];
    const iteration = (async () => {
      for await (const item of w) iterated.push(item);
    })();
    await w.close();
    await expect(pending).rejects.toBeInstanceOf(SocketClosedError);
    await iteration;
    expect(iterated).toEqual([]);
    await expect(w.send({ type: 'STEP_DONE', generation: 0, step: 0, rank: 0, sampleCount: 1, values: {} })).rejects.toBeInstanceOf(SocketClosedError);
  });

  it('accepts ZMTP heartbeat options on both ends', async () => {
    const heartbeat = { intervalMs: 50, timeoutMs: 200 };
    const coord = await CoordinatorSocket.bind({ endpoint: 'tcp://127.0.0.1:*', heartbeat });
    closers.push(() => coord.close());
    const w = WorkerSocket.connect({ endpoint: coord.endpoint, workerId: 'hb', heartbeat });
    closers.push(() => w.close());
    await new Promise((resolve) => setTimeout(resolve, 300)); // several heartbeat intervals, connection stays up
    await w.send(hello('hb'));
    const incoming = await coord.receive(WAIT);
    expect(incoming.ok && incoming.peer).toBe('hb');
    expect(heartbeatSocketOptions(heartbeat)).toEqual({ heartbeatInterval: 50, heartbeatTimeout: 200, heartbeatTimeToLive: 200 });
    expect(heartbeatSocketOptions({ intervalMs: 0 })).toEqual({});
  });
});
