import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GradientReducer, MessageInit } from '@ganglion/comm';
import { createLogger } from '../logger';
import { pipelineFileHash } from '../pipeline-file';
import { FakeCoordinatorChannel } from './testing/fake-coordinator-channel';
import { welcomeHeader } from './testing/welcome-header';
import { PipelineMismatchError, WorkerConnectError, WorkerHandshake, type WorkerHandshakeOptions } from './worker-handshake';
import { WorkerSession } from './worker-session';

const logger = createLogger({ format: 'json', level: 'silent' });

function handshake(channel: FakeCoordinatorChannel, options: Partial<WorkerHandshakeOptions> = {}): WorkerHandshake {
  return new WorkerHandshake(channel, {
    identity: { workerId: 'w1', backend: 'cpu', devices: ['cuda:0'], ringEndpoint: 'tcp://w1:7000' },
    sets: [],
    connectTimeoutMs: 200,
    silenceTimeoutMs: 400,
    logger,
    ...options,
  });
}


const noReducer: GradientReducer = {
  name: 'ring',
  configure: async () => {},
  allreduce: async (values) => values.slice(),
  getConfig: () => ({ name: 'ring', bucketBytes: 4, fp16: false, timeoutMs: 1 }),
  close: async () => {},
};

describe('WorkerHandshake', () => {
  it('says HELLO with everything the coordinator admits a worker by, then returns its WELCOME', async () => {
    const channel = new FakeCoordinatorChannel();
    const joining = handshake(channel, { identity: { workerId: 'w1', backend: 'cpu', devices: ['cuda:0'], ringEndpoint: 'tcp://w1:7000', curvePublicKey: 'K' } }).join();
    channel.push({ type: 'HEARTBEAT', generation: 0, step: 0, sentAtMs: 1 });
    channel.push(welcomeHeader(1, 0, 2) as MessageInit);
    expect((await joining).rank).toBe(0);
    expect(channel.sent).toEqual([
      {
        type: 'HELLO',
        generation: 0,
        step: 0,
        workerId: 'w1',
        host: os.hostname(),
        pid: process.pid,
        backend: 'cpu',
        devices: ['cuda:0'],
        ringEndpoint: 'tcp://w1:7000',
        pipelineHash: null,
        curvePublicKey: 'K',
      },
    ]);
  });

  it('turns a refusal, an unanswered HELLO and a missing pipeline file into errors that say what to do', async () => {
    const refused = new FakeCoordinatorChannel();
    const joining = handshake(refused).join();
    refused.push({ type: 'ERROR', generation: 0, step: 0, code: 'pipeline-mismatch', reason: 'differs', fatal: true });
    await expect(joining).rejects.toThrow(new WorkerConnectError('The coordinator at tcp://coordinator:5555 refused this worker (pipeline-mismatch): differs'));
    await expect(handshake(new FakeCoordinatorChannel()).join()).rejects.toThrow(/No coordinator answered at tcp:\/\/coordinator:5555 within 0 s\. Start it first/);
    await expect(handshake(new FakeCoordinatorChannel(), { pipelineFile: '/nowhere/p.ts' }).join()).rejects.toThrow(/Pipeline file \/nowhere\/p\.ts does not exist/);
    // A HELLO that cannot even be queued (a CURVE key refused between reconnects) says the same as one never answered.
    const unqueued = new FakeCoordinatorChannel();
    unqueued.send = () => Promise.reject(Object.assign(new Error('Operation was not possible or timed out'), { code: 'EAGAIN' }));
    const curve = { workerId: 'w1', backend: 'cpu', devices: [], ringEndpoint: 'tcp://w1:7000', curvePublicKey: 'K' };
    await expect(handshake(unqueued, { identity: curve }).join()).rejects.toThrow(/No coordinator answered at .* the coordinator refused this worker's key/);
  });

  it("refuses a WELCOME whose pipeline hash is not this machine's, naming both", () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-handshake-'));
    const file = path.join(folder, 'p.pipeline.ts');
    fs.writeFileSync(file, 'export default 1;\n');
    try {
      const here = pipelineFileHash(file);
      const check = () => handshake(new FakeCoordinatorChannel(), { pipelineFile: file }).pipeline(welcomeHeader(1, 0, 1, { path: file, hash: 'f'.repeat(64), options: {} }));
      expect(check).toThrow(PipelineMismatchError);
      expect(check).toThrow(`(sha256 ${here.slice(0, 12)} here, ffffffffffff there;`);
      expect(() => handshake(new FakeCoordinatorChannel()).pipeline(welcomeHeader(1, 0, 1, { path: '/nowhere/p.ts', hash: 'h', options: {} }))).toThrow(/does not exist on this machine/);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it("rejoins through the session: HELLOs until a restarted coordinator's WELCOME, which the session adopts", async () => {
    const channel = new FakeCoordinatorChannel();
    const session = new WorkerSession(handshake(channel), noReducer, welcomeHeader(3, 1, 2), logger);
    await session.start();
    try {
      const rejoining = session.rejoin(5000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(channel.sent).toMatchObject([{ type: 'HELLO', generation: 3, workerId: 'w1' }]);
      channel.push(welcomeHeader(4, 0, 1) as MessageInit);
      expect((await rejoining).generation).toBe(4);
      expect([session.rank(), session.worldSize(), session.generation()]).toEqual([0, 1, 4]);
      await expect(session.rejoin(150)).rejects.toThrow(/No coordinator came back at tcp:\/\/coordinator:5555 within 0 s/);
    } finally {
      session.close();
    }
  });
});
