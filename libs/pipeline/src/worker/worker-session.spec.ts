import type { GradientReducer, Membership, MessageInit } from '@ganglion/comm';
import { createLogger } from '../logger';
import { FakeCoordinatorChannel } from './testing/fake-coordinator-channel';
import { welcomeHeader } from './testing/welcome-header';
import { WorkerHandshake } from './worker-handshake';
import { CoordinatorLostError, CoordinatorRefusedError, MembershipChangedError, WorkerSession } from './worker-session';

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

/** A handshake over `channel` whose coordinator counts as gone after `silenceTimeoutMs`. */
function handshakeOn(channel: FakeCoordinatorChannel, silenceTimeoutMs: number): WorkerHandshake {
  const identity = { workerId: 'w1', backend: 'cpu', devices: [], ringEndpoint: 'tcp://w1:1' };
  return new WorkerHandshake(channel, { identity, sets: [], connectTimeoutMs: 200, silenceTimeoutMs, logger: createLogger({ format: 'json', level: 'silent' }) });
}


describe('WorkerSession', () => {
  const logger = createLogger({ format: 'json', level: 'silent' });
  let channel: FakeCoordinatorChannel;
  let reducer: RecordingReducer;
  let session: WorkerSession;
  /** What the session's peer probes were asked: the peers, this rank, the timeout. */
  let probes: Array<[readonly string[], number, number]>;

  beforeEach(async () => {
    channel = new FakeCoordinatorChannel();
    reducer = new RecordingReducer();
    probes = [];
    const probePeers = async (peers: readonly string[], self: number, timeoutMs: number): Promise<number[]> => {
      probes.push([peers, self, timeoutMs]);
      return [2];
    };
    session = new WorkerSession(handshakeOn(channel, 500), reducer, welcomeHeader(1, 1, 3), logger, probePeers);
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
    channel.push({ type: 'STEP', generation: 1, step: 0, through: 0, checksumSteps: [], metricsThrough: -1 });
    expect(await session.nextCommand(0)).toEqual({ type: 'step', checksum: false, report: true, metricsThrough: -1 });
    const signal = session.reduceSignal();
    const waiting = session.nextCommand(1);
    channel.push(welcomeHeader(1, 0, 2) as MessageInit); // Not newer: ignored.
    expect(signal.aborted).toBe(false);
    channel.push(welcomeHeader(2, 0, 2) as MessageInit);
    expect(signal.aborted).toBe(true);
    await expect(waiting).rejects.toThrow(MembershipChangedError);
    expect(session.membershipChanged).toBe(true);
    expect((await session.adoptPending()).generation).toBe(2);
    expect([session.rank(), session.worldSize(), session.generation()]).toEqual([0, 2, 2]);
    expect(session.reduceSignal().aborted).toBe(false);
    expect(reducer.memberships.at(-1)).toMatchObject({ generation: 2, rank: 0, worldSize: 2 });
    channel.push({ type: 'STEP', generation: 1, step: 1, through: 1, checksumSteps: [], metricsThrough: 0 }); // From the old generation: ignored.
    channel.push({ type: 'STEP', generation: 2, step: 1, through: 1, checksumSteps: [1], metricsThrough: 0 });
    expect(await session.nextCommand(1)).toEqual({ type: 'step', checksum: true, report: true, metricsThrough: 0 });
  });

  it('reports a stalled reduce naming the peer and the peers it cannot connect to, then waits for the next generation (or is told it was dropped)', async () => {
    const stall = { generation: 1, step: 4, phase: 0, suspectRank: 0, received: 1, awaiting: 'bucket 0 round 1 from rank 0', stalledMs: 3000 };
    const reported = session.reportStall(stall);
    channel.push({ type: 'STEP', generation: 1, step: 5, through: 5, checksumSteps: [], metricsThrough: 4 }); // anything but a newer WELCOME: still waiting
    for (let turn = 0; turn < 10 && channel.sent.length === 0; turn++) await Promise.resolve();
    expect(probes).toEqual([[['tcp://w0:1', 'tcp://w1:1', 'tcp://w2:1'], 1, 750]]); // a quarter of the 3 s reduce timeout
    expect(channel.sent).toEqual([
      { type: 'REDUCE_STALLED', generation: 1, step: 4, rank: 1, phase: 0, suspectRank: 0, received: 1, awaiting: 'bucket 0 round 1 from rank 0', stalledMs: 3000, unreachable: [2] },
    ]);
    channel.push(welcomeHeader(2, 0, 2) as MessageInit);
    await reported;
    expect(session.membershipChanged).toBe(true);
    await session.adoptPending();

    const dropped = session.reportStall({ ...stall, generation: 2 });
    channel.push({ type: 'ERROR', generation: 2, step: 0, code: 'dropped', reason: 'its reduce stalled', fatal: true });
    await expect(dropped).rejects.toThrow(/The coordinator stopped this worker \(dropped\): its reduce stalled/);
  });

  it("runs the steps a STEP grants without waiting for another, with the checksums it asks for, reporting only the checksum steps and the last; a new generation's grant starts afresh", async () => {
    channel.push({ type: 'STEP', generation: 1, step: 0, through: 3, checksumSteps: [1], metricsThrough: -1 });
    const commands = [];
    for (let step = 0; step <= 3; step++) commands.push(await session.nextCommand(step));
    expect(commands).toEqual([
      { type: 'step', checksum: false, report: false, metricsThrough: -1 },
      { type: 'step', checksum: true, report: true, metricsThrough: -1 },
      { type: 'step', checksum: false, report: false, metricsThrough: -1 },
      { type: 'step', checksum: false, report: true, metricsThrough: -1 },
    ]);
    expect(session.stepsStarted).toBe(4);
    const beyond = session.nextCommand(4); // past the grant: waits for the next STEP
    channel.push({ type: 'STEP', generation: 1, step: 4, through: 4, checksumSteps: [], metricsThrough: 3 });
    expect(await beyond).toEqual({ type: 'step', checksum: false, report: true, metricsThrough: 3 });

    channel.push({ type: 'STEP', generation: 1, step: 5, through: 9, checksumSteps: [], metricsThrough: 4 });
    expect(await session.nextCommand(5)).toEqual({ type: 'step', checksum: false, report: false, metricsThrough: 4 });
    channel.push(welcomeHeader(2, 1, 3) as MessageInit);
    await expect(session.nextCommand(6)).rejects.toThrow(MembershipChangedError);
    await session.adoptPending();
    const regranted = session.nextCommand(6); // generation 1's grant ran to step 9, but generation 2 has granted nothing yet
    channel.push({ type: 'STEP', generation: 2, step: 6, through: 6, checksumSteps: [6], metricsThrough: 5 });
    expect(await regranted).toEqual({ type: 'step', checksum: true, report: true, metricsThrough: 5 });
  });

  it('as rank 0, reports the same steps as the others (its STEP_DONE carries the ones between)', async () => {
    const rank0 = new WorkerSession(handshakeOn(channel, 500), reducer, welcomeHeader(1, 0, 2), logger);
    await rank0.start();
    try {
      channel.push({ type: 'STEP', generation: 1, step: 0, through: 2, checksumSteps: [], metricsThrough: -1 });
      const commands = [await rank0.nextCommand(0), await rank0.nextCommand(1), await rank0.nextCommand(2)];
      expect(commands.map((command) => command.type === 'step' && command.report)).toEqual([false, false, true]);
    } finally {
      rank0.close();
    }
  });

  it('refuses a STEP out of order', async () => {
    channel.push({ type: 'STEP', generation: 1, step: 5, through: 5, checksumSteps: [], metricsThrough: 4 });
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

  it('a dropped connection (the coordinator process died) means lost within about a second, long before the silence timeout', async () => {
    const patient = new WorkerSession(handshakeOn(channel, 60_000), reducer, welcomeHeader(1, 1, 3), logger);
    await patient.start();
    try {
      const signal = patient.reduceSignal();
      channel.disconnect();
      expect(patient.coordinatorLost).toBeUndefined(); // A second's grace for a SHUTDOWN still on its way.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect(patient.coordinatorLost?.message).toMatch(/The connection to the coordinator at tcp:\/\/coordinator:5555 closed: its process exited or was killed/);
      expect(signal.aborted).toBe(true);
      await expect(patient.nextCommand(0)).rejects.toThrow(CoordinatorLostError);
    } finally {
      patient.close();
    }
  });

  it('a dropped connection after SHUTDOWN is the normal end, not a loss', async () => {
    channel.push({ type: 'SHUTDOWN', generation: 1, step: 0, reason: 'training finished' });
    channel.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(session.coordinatorLost).toBeUndefined();
    expect(session.stoppedBecause).toBe('training finished');
  });
});
