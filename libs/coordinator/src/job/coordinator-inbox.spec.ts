import { type CoordinatorSocket, type Envelope, type HelloHeader, type Incoming, type MessageInit, type PeerId, ProtocolError, type StarAggregator, WaitTimeoutError } from '@ganglion/comm';
import pino from 'pino';
import { definePipeline } from '@ganglion/pipeline';
import { WorkerFailedError } from './coordinator-errors';
import { CoordinatorInbox } from './coordinator-inbox';
import { CoordinatorLink } from './coordinator-link';
import { CoordinatorMembers } from './coordinator-members';
import { GroupAdmission } from '../admission/group-admission';
import { JobState } from './job-state';

class ToyModel {
  constructor(readonly options: unknown) {}
}
class ToyDataset {
  constructor(readonly options: unknown) {}
}

const HASH = 'a'.repeat(64);
const settings = definePipeline({ name: 'toy', model: { type: ToyModel }, dataset: { type: ToyDataset }, batchSize: 4, steps: 3, distributed: { reducer: 'star' } }).settings;

function hello(workerId: string): HelloHeader {
  return { type: 'HELLO', protocol: 1, generation: 0, step: 0, workerId, host: 'h', pid: 7, backend: 'cpu', devices: [], ringEndpoint: null, pipelineHash: HASH };
}

function message(peer: PeerId, header: Record<string, unknown>): Incoming {
  return { ok: true, peer, envelope: { header, payload: [] } as unknown as Envelope };
}

/** A CoordinatorInbox with a recording socket, logger and dashboard, and an aggregator that answers `refused`. */
function setUp() {
  const sent: Array<{ peer: PeerId; init: MessageInit }> = [];
  const warnings: string[] = [];
  const fromWorkers: string[] = [];
  const accepted: PeerId[] = [];
  const socket = {
    curve: false,
    send: async (peer: PeerId, init: MessageInit) => void sent.push({ peer, init }),
    receive: async () => {
      throw new WaitTimeoutError('no message');
    },
  } as unknown as CoordinatorSocket;
  const members = new CoordinatorMembers();
  const job = new JobState();
  const link = new CoordinatorLink(socket, members, job, { heartbeatIntervalMs: 1000 });
  const logger = pino({ level: 'info' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
  const events = {
    memberJoined: () => undefined,
    memberLost: () => undefined,
    generationChanged: () => undefined,
    messageFrom: (id: string) => void fromWorkers.push(id),
    stepFinished: () => undefined,
    samplesWritten: () => undefined,
  };
  const pipeline = { file: 'toy.pipeline.ts', hash: HASH, settings };
  const admission = new GroupAdmission(socket, link, members, job, { pipeline, workers: 2, maxWorkers: 2 }, logger, events);
  const aggregator = {
    accept: async (peer: PeerId) => {
      accepted.push(peer);
      return { status: 'refused', error: new ProtocolError('unexpected-message', 'bucket 9 does not exist') };
    },
  } as unknown as StarAggregator;
  const inbox = new CoordinatorInbox(link, members, job, admission, aggregator, logger, events);
  const errors = () => sent.flatMap(({ peer, init }) => (init.type === 'ERROR' ? [`${peer} ${init.code}`] : []));
  return { inbox, link, members, job, sent, warnings, fromWorkers, accepted, errors };
}

describe('CoordinatorInbox', () => {
  it('hands HELLO to admission and a member\'s message to the caller, telling the dashboard who was heard', async () => {
    const { inbox, members, fromWorkers } = setUp();
    expect(await inbox.fromMember(message('p1', hello('w1')))).toBeUndefined();
    expect(members.joining.map((m) => m.hello.workerId)).toEqual(['w1']);
    const ready = await inbox.fromMember(message('p1', { type: 'RING_READY', generation: 1, step: 0 }));
    expect(ready?.member.hello.workerId).toBe('w1');
    expect(ready?.envelope.header.type).toBe('RING_READY');
    expect(fromWorkers).toEqual(['w1']);
  });

  it('refuses a stranger quietly and tells a dropped worker to stop', async () => {
    const { inbox, members, warnings, errors } = setUp();
    await inbox.fromMember(message('p1', hello('w1')));
    members.remove(members.joining[0]);
    expect(await inbox.fromMember(message('p1', { type: 'STEP_DONE', generation: 1, step: 0, rank: 0, sampleCount: 1, values: {} }))).toBeUndefined();
    expect(await inbox.fromMember(message('p9', { type: 'RING_READY', generation: 1, step: 0, rank: 0 }))).toBeUndefined();
    expect(errors()).toEqual(['p1 dropped']);
    expect(warnings).toContain('refused STEP_DONE from "p1": it was dropped from the job; told it to stop');
    expect(warnings).toContain('refused RING_READY from "p9": it is not a worker of this job; dropped');
  });

  it("answers an undecodable message with the decoder's error, and fails the job when a member sends one while training", async () => {
    const { inbox, job, errors } = setUp();
    const garbled = (peer: PeerId): Incoming => ({ ok: false, peer, error: new ProtocolError('wrong-version', 'protocol 9, expected 1') });
    await inbox.fromMember(message('p1', hello('w1')));
    expect(await inbox.fromMember(garbled('p1'))).toBeUndefined();
    job.startTraining();
    await expect(inbox.fromMember(garbled('p2'))).resolves.toBeUndefined();
    await expect(inbox.fromMember(garbled('p1'))).rejects.toThrow(WorkerFailedError);
    expect(errors()).toEqual(['p1 wrong-version', 'p2 wrong-version', 'p1 wrong-version']);
  });

  it("keeps a stranger's GRADS from the aggregator; a refusal of a member's GRADS fails the next receive", async () => {
    const { inbox, link, accepted, warnings } = setUp();
    await inbox.fromMember(message('p1', hello('w1')));
    const grads = { header: { type: 'GRADS', generation: 1, step: 0, rank: 3 }, payload: [] } as unknown as Envelope;
    inbox.onGrads('p9', grads);
    await new Promise((resolve) => setImmediate(resolve));
    expect(accepted).toEqual([]);
    expect(warnings).toContain('refused GRADS claiming rank 3 from "p9": it is not a worker of this job; dropped');
    await expect(link.next(10)).resolves.toBeUndefined();
    inbox.onGrads('p1', grads);
    await new Promise((resolve) => setImmediate(resolve));
    expect(accepted).toEqual(['p1']);
    await expect(link.next(10)).rejects.toThrow('Gradients from "p1" were refused: bucket 9 does not exist');
  });
});
