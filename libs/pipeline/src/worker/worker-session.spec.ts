import {
  type DecodeResult,
  type Envelope,
  type GradientReducer,
  type Membership,
  type MessageInit,
  type HeaderOf,
  type MessageType,
  type WaitOptions,
  type WelcomeHeader,
  WaitAbortedError,
  WaitTimeoutError,
  decodeMessageOrThrow,
  encodeMessage,
} from '@ganglion/comm';
import { createLogger } from '../logger';
import { CoordinatorLostError, CoordinatorRefusedError, type CoordinatorChannel, MembershipChangedError, WorkerSession } from './worker-session';

/** An in-memory coordinator channel: messages pushed by the test, sends recorded. */
class FakeChannel implements CoordinatorChannel {
  readonly endpoint = 'tcp://coordinator:5555';
  readonly sent: MessageInit[] = [];
  private readonly queue: DecodeResult[] = [];
  private waiter: { resolve: (r: DecodeResult) => void; reject: (e: Error) => void } | undefined;
  private readonly handlers = new Map<string, (envelope: Envelope) => void>();

  push(init: MessageInit): void {
    const envelope = decodeMessageOrThrow(encodeMessage(init));
    const handler = this.handlers.get(envelope.header.type);
    if (handler !== undefined) {
      handler(envelope);
      return;
    }
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter !== undefined) waiter.resolve({ ok: true, envelope });
    else this.queue.push({ ok: true, envelope });
  }

  async send(init: MessageInit): Promise<void> {
    this.sent.push(init);
  }

  receive(options?: WaitOptions): Promise<DecodeResult> {
    const next = this.queue.shift();
    if (next !== undefined) return Promise.resolve(next);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new WaitTimeoutError('silent')), options?.timeoutMs ?? 10_000);
      options?.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new WaitAbortedError('aborted'));
      });
      this.waiter = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject,
      };
    });
  }

  route<T extends MessageType>(type: T, handler: (envelope: Envelope<HeaderOf<T>>) => void): () => void {
    this.handlers.set(type, handler as (envelope: Envelope) => void);
    return () => this.handlers.delete(type);
  }
}

class RecordingReducer implements GradientReducer {
  readonly name = 'ring';
  readonly memberships: Membership[] = [];
  closed = false;
  async configure(membership: Membership): Promise<void> {
    this.memberships.push(membership);
  }
  async allreduce(values: Float32Array): Promise<Float32Array> {
    return values.slice();
  }
  getConfig() {
    return { name: 'ring', bucketBytes: 4, fp16: false, timeoutMs: 1 };
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function welcome(generation: number, rank: number, worldSize: number): WelcomeHeader {
  const init = {
    type: 'WELCOME' as const,
    generation,
    step: 0,
    rank,
    worldSize,
    seed: 1,
    pipeline: { path: '/p.ts', hash: 'h', options: {} },
    reducer: { name: 'ring', bucketBytes: 1024, fp16: false },
    peers: Array.from({ length: worldSize }, (_, r) => `tcp://w${r}:1`),
  };
  return decodeMessageOrThrow(encodeMessage(init)).header as WelcomeHeader;
}

describe('WorkerSession', () => {
  const logger = createLogger({ format: 'json', level: 'silent' });
  let channel: FakeChannel;
  let reducer: RecordingReducer;
  let session: WorkerSession;

  beforeEach(async () => {
    channel = new FakeChannel();
    reducer = new RecordingReducer();
    session = new WorkerSession(channel, reducer, welcome(1, 1, 3), logger, 500);
    await session.start();
  });

  afterEach(() => session.close());

  it('is the ProcessGroup of its WELCOME and tells the coordinator when it is ready', async () => {
    expect([session.rank(), session.worldSize(), session.generation()]).toEqual([1, 3, 1]);
    expect(reducer.memberships).toEqual([{ generation: 1, rank: 1, worldSize: 3, peers: ['tcp://w0:1', 'tcp://w1:1', 'tcp://w2:1'] }]);
    await session.ready();
    expect(channel.sent).toEqual([{ type: 'RING_READY', generation: 1, step: 0, rank: 1 }]);
  });

  it('a newer WELCOME ends the generation at once: the reduce signal aborts, waits throw until it is adopted', async () => {
    channel.push({ type: 'HEARTBEAT', generation: 1, step: 0, sentAtMs: 1 });
    channel.push({ type: 'STEP', generation: 1, step: 0, checksum: false });
    expect(await session.nextCommand(0)).toEqual({ type: 'step', checksum: false });
    const signal = session.reduceSignal();
    const waiting = session.nextCommand(1);
    channel.push(welcome(1, 0, 2) as MessageInit); // Not newer: ignored.
    expect(signal.aborted).toBe(false);
    channel.push(welcome(2, 0, 2) as MessageInit);
    expect(signal.aborted).toBe(true);
    await expect(waiting).rejects.toThrow(MembershipChangedError);
    expect(session.membershipChanged).toBe(true);
    expect((await session.adoptPending()).generation).toBe(2);
    expect([session.rank(), session.worldSize(), session.generation()]).toEqual([0, 2, 2]);
    expect(session.reduceSignal().aborted).toBe(false);
    expect(reducer.memberships.at(-1)).toMatchObject({ generation: 2, rank: 0, worldSize: 2 });
    channel.push({ type: 'STEP', generation: 1, step: 1, checksum: false }); // From the old generation: ignored.
    channel.push({ type: 'STEP', generation: 2, step: 1, checksum: true });
    expect(await session.nextCommand(1)).toEqual({ type: 'step', checksum: true });
  });

  it('reports a stalled reduce naming the peer, then waits for the next generation (or is told it was dropped)', async () => {
    const stall = { generation: 1, step: 4, phase: 0, suspectRank: 0, received: 1, awaiting: 'bucket 0 round 1 from rank 0', stalledMs: 3000 };
    const reported = session.reportStall(stall);
    channel.push({ type: 'STEP', generation: 1, step: 5, checksum: false }); // anything but a newer WELCOME: still waiting
    await Promise.resolve();
    expect(channel.sent).toEqual([{ type: 'REDUCE_STALLED', generation: 1, step: 4, rank: 1, phase: 0, suspectRank: 0, received: 1, awaiting: 'bucket 0 round 1 from rank 0', stalledMs: 3000 }]);
    channel.push(welcome(2, 0, 2) as MessageInit);
    await reported;
    expect(session.membershipChanged).toBe(true);
    await session.adoptPending();

    const dropped = session.reportStall({ ...stall, generation: 2 });
    channel.push({ type: 'ERROR', generation: 2, step: 0, code: 'dropped', reason: 'its reduce stalled', fatal: true });
    await expect(dropped).rejects.toThrow(/The coordinator stopped this worker \(dropped\): its reduce stalled/);
  });

  it('refuses a STEP out of order', async () => {
    channel.push({ type: 'STEP', generation: 1, step: 5, checksum: false });
    await expect(session.nextCommand(1)).rejects.toThrow(/started step 5 while this worker expected step 1/);
  });

  it('stops on SHUTDOWN at once, even while waiting, and closes the reducer to abort a reduction in flight', async () => {
    const waiting = session.nextCommand(3);
    channel.push({ type: 'SHUTDOWN', generation: 1, step: 0, reason: 'interrupted' });
    expect(await waiting).toEqual({ type: 'shutdown', reason: 'interrupted' });
    expect(reducer.closed).toBe(true);
    expect(session.stoppedBecause).toBe('interrupted');
    expect(await session.awaitShutdown()).toBe('interrupted');
  });

  it('turns a fatal ERROR into CoordinatorRefusedError and long silence into an error naming the coordinator', async () => {
    channel.push({ type: 'ERROR', generation: 1, step: 0, code: 'job-full', reason: 'no room', fatal: true });
    await expect(session.nextCommand(0)).rejects.toThrow(CoordinatorRefusedError);
    await expect(session.nextCommand(0)).rejects.toThrow(CoordinatorLostError);
    expect(session.coordinatorLost?.message).toMatch(/No word from the coordinator at tcp:\/\/coordinator:5555 for 1 s \(no heartbeat/);
    expect(session.reduceSignal().aborted).toBe(true);
  });
});
