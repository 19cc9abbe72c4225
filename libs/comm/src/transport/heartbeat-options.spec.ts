import * as path from 'node:path';
import { CoordinatorSocket } from './coordinator-socket';
import { heartbeatSocketOptions } from './heartbeat-options';
import { TsChild } from './testing/ts-child';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('heartbeatSocketOptions', () => {
  it('gives the remote side the same patience as this one: the time-to-live defaults to the timeout', () => {
    expect(heartbeatSocketOptions({ intervalMs: 1000, timeoutMs: 600_000 })).toEqual({
      heartbeatInterval: 1000,
      heartbeatTimeout: 600_000,
      heartbeatTimeToLive: 600_000,
    });
    expect(heartbeatSocketOptions({ intervalMs: 50 })).toEqual({ heartbeatInterval: 50, heartbeatTimeout: 150, heartbeatTimeToLive: 150 });
    expect(heartbeatSocketOptions({ intervalMs: 50, timeoutMs: 200, timeToLiveMs: 120 })).toEqual({ heartbeatInterval: 50, heartbeatTimeout: 200, heartbeatTimeToLive: 120 });
    expect(heartbeatSocketOptions({ intervalMs: 0 })).toEqual({});
    expect(heartbeatSocketOptions(undefined)).toEqual({});
  });

  it("caps the time-to-live at libzmq's largest (6553.5 s, in deciseconds on the wire)", () => {
    expect(heartbeatSocketOptions({ intervalMs: 1000, timeoutMs: 24 * 3600_000 }).heartbeatTimeToLive).toBe(6_553_500);
  });
});

describe('a worker stopped longer than the heartbeat interval (real processes, SIGSTOP)', () => {
  const child = path.join(__dirname, 'testing', 'stopped-worker-child.ts');

  it('keeps its connection when it runs again: the coordinator still reaches it, and it never saw a disconnect', async () => {
    // PINGs every 100 ms; the coordinator tolerates 30 s of silence, and so must the worker (ZMTP's TTL, which the PINGs carry).
    const coordinator = await CoordinatorSocket.bind({ endpoint: 'tcp://127.0.0.1:*', heartbeat: { intervalMs: 100, timeoutMs: 30_000 } });
    const worker = new TsChild(child, [coordinator.endpoint]);
    try {
      const hello = await coordinator.receive({ timeoutMs: 30_000 });
      expect(hello.ok && hello.envelope.header.type).toBe('HELLO');
      for (let round = 0; round < 3; round++) {
        worker.kill('SIGSTOP'); // 15 intervals without a PING read
        await sleep(1500);
        worker.kill('SIGCONT');
        await sleep(500);
        await coordinator.send('stopped', { type: 'HEARTBEAT', generation: 0, step: round, sentAtMs: Date.now() });
      }
      await coordinator.send('stopped', { type: 'SHUTDOWN', generation: 0, step: 0, reason: 'test over' });
      expect(await worker.exited).toBe(0);
      expect(worker.lines).toEqual(['received HEARTBEAT', 'received HEARTBEAT', 'received HEARTBEAT', 'received SHUTDOWN']);
    } finally {
      worker.kill('SIGKILL');
      await coordinator.close();
    }
  }, 60_000);
});
