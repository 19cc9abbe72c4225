import type { CoordinatorSocket, HelloHeader, MessageInit, PeerId } from '@ganglion/comm';
import pino from 'pino';
import type { CoordinatorEvents } from '../dashboard/coordinator-events';
import { definePipeline } from '@ganglion/pipeline';
import { CoordinatorLink } from '../job/coordinator-link';
import { CoordinatorMembers } from '../job/coordinator-members';
import { GroupAdmission } from './group-admission';
import { JobState } from '../job/job-state';

class ToyModel {
  constructor(readonly options: unknown) {}
}
class ToyDataset {
  constructor(readonly options: unknown) {}
}

const HASH = 'a'.repeat(64);
const KEY = 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7';
const settings = definePipeline({ name: 'toy', model: { type: ToyModel }, dataset: { type: ToyDataset }, batchSize: 4, steps: 3, distributed: { reducer: 'ring' } }).settings;

function hello(workerId: string, fields: Partial<HelloHeader> = {}): HelloHeader {
  return {
    type: 'HELLO', protocol: 1, generation: 0, step: 0, workerId, host: 'h', pid: workerId.length, backend: 'cpu', devices: [],
    ringEndpoint: 'tcp://127.0.0.1:1', pipelineHash: HASH, ...fields,
  };
}

/** GroupAdmission over a socket that records what is sent, with a recording logger and events. */
function setUp(options: { curve?: boolean; workers?: number; maxWorkers?: number } = {}) {
  const sent: Array<{ peer: PeerId; init: MessageInit }> = [];
  const lines: Array<{ level: number; msg: string }> = [];
  const events: string[] = [];
  const socket = {
    curve: options.curve ?? false,
    isAuthenticatedKey: (key: string) => key === KEY,
    send: async (peer: PeerId, init: MessageInit) => void sent.push({ peer, init }),
  } as unknown as CoordinatorSocket;
  const members = new CoordinatorMembers();
  const job = new JobState();
  const link = new CoordinatorLink(socket, members, job, { heartbeatIntervalMs: 1000 });
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const recorder: CoordinatorEvents = {
    memberJoined: (w) => void events.push(`joined ${w.workerId}`),
    memberLost: (id, reason) => void events.push(`lost ${id}: ${reason}`),
    generationChanged: () => undefined,
    messageFrom: () => undefined,
    stepFinished: () => undefined,
    samplesWritten: () => undefined,
  };
  const pipeline = { file: 'toy.pipeline.ts', hash: HASH, settings };
  const admission = new GroupAdmission(socket, link, members, job, { pipeline, workers: options.workers ?? 2, maxWorkers: options.maxWorkers ?? 3 }, logger, recorder);
  const errors = () => sent.flatMap(({ peer, init }) => (init.type === 'ERROR' ? [`${peer} ${init.code}`] : []));
  return { admission, members, job, sent, lines, events, errors };
}

describe('GroupAdmission', () => {
  it('admits a worker with a HEARTBEAT and tells the dashboard; a repeated HELLO from the same process is only acknowledged', async () => {
    const { admission, members, sent, events, lines } = setUp();
    await admission.onHello('p1', hello('w1'));
    await admission.onHello('p1', hello('w1'));
    expect(members.joining.map((m) => m.hello.workerId)).toEqual(['w1']);
    expect(sent.map(({ peer, init }) => `${peer} ${init.type}`)).toEqual(['p1 HEARTBEAT', 'p1 HEARTBEAT']);
    expect(events).toEqual(['joined w1']);
    expect(lines.map((l) => l.msg)).toContain('worker w1 (h, pid 2) joined with backend cpu (1/2)');
  });

  it('refuses a different pipeline, a missing ring endpoint, a duplicate worker id and a full job with the codes the workers act on', async () => {
    const { admission, members, errors } = setUp({ workers: 1 });
    await admission.onHello('p1', hello('w1', { pipelineHash: 'b'.repeat(64) }));
    await admission.onHello('p2', hello('w2', { ringEndpoint: null }));
    await admission.onHello('p3', hello('w3'));
    await admission.onHello('p3', hello('w3', { pid: 99 }));
    await admission.onHello('p4', hello('w4'));
    expect(errors()).toEqual(['p1 pipeline-mismatch', 'p2 no-ring-endpoint', 'p3 duplicate-worker', 'p4 job-full']);
    expect(members.count).toBe(1);
  });

  it('refuses a worker on another compute backend than the job (a webgpu worker among wasm workers), naming both', async () => {
    const { admission, members, errors, lines } = setUp();
    await admission.onHello('p1', hello('w1', { backend: 'wasm' }));
    await admission.onHello('p2', hello('w2', { backend: 'webgpu', devices: ['webgpu:0 NVIDIA GeForce RTX 4090'] }));
    expect(errors()).toEqual(['p2 backend-mismatch']);
    expect(members.count).toBe(1);
    expect(lines.at(-1)?.msg).toMatch(/refused worker .*compute on 'wasm' .* this one on 'webgpu'\. .*start every worker with the same --backend/);
    await admission.onHello('p3', hello('w3', { backend: 'wasm' }));
    expect(members.count).toBe(2);
  });

  it('allows up to maxWorkers once training, and reports the highest generation a HELLO carried', async () => {
    const { admission, members, job, errors } = setUp({ workers: 1, maxWorkers: 2 });
    job.startTraining();
    await admission.onHello('p1', hello('w1', { generation: 4 }));
    await admission.onHello('p2', hello('w2', { generation: 2 }));
    await admission.onHello('p3', hello('w3'));
    expect(members.count).toBe(2);
    expect(errors()).toEqual(['p3 job-full']);
    expect(job.helloGeneration).toBe(4);
  });

  it('on a CURVE coordinator refuses a HELLO without an authenticated key', async () => {
    const { admission, members, errors } = setUp({ curve: true });
    await admission.onHello('p1', hello('w1'));
    await admission.onHello('p2', hello('w2', { curvePublicKey: 'x'.repeat(40) }));
    await admission.onHello('p3', hello('w3', { curvePublicKey: KEY }));
    expect(errors()).toEqual(['p1 curve-key-missing', 'p2 curve-key-unauthenticated']);
    expect(members.joining.map((m) => m.hello.workerId)).toEqual(['w3']);
  });

  it('drops the workers reported gone, saying whether training had started', async () => {
    const { admission, members, job, events, lines } = setUp();
    await admission.onHello('p1', hello('w1'));
    await admission.onHello('p2', hello('w22'));
    members.reportGone('p1', 'it died');
    expect(admission.dropGone()).toBe(true);
    expect(admission.dropGone()).toBe(false);
    members.promoteJoining();
    job.startTraining();
    job.noteHelloGeneration(2);
    expect(job.nextGeneration()).toBe(3);
    admission.drop(members.ranked[0], 'it failed');
    expect(events).toEqual(['joined w1', 'joined w22', 'lost w1: it died', 'lost w22: it failed']);
    const errorLines = lines.filter((l) => l.level === 50).map((l) => l.msg);
    expect(errorLines).toEqual([
      'worker w1 (h, pid 2) dropped out before training: it died. Waiting for another worker (1/2).',
      'worker w22 (rank 0 of generation 3, on h, pid 3) left the job: it failed. 0 workers remain.',
    ]);
    expect(members.wasDropped('p1') && members.wasDropped('p2')).toBe(true);
  });
});
