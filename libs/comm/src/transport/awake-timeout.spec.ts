import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { AwakeTimeout } from './awake-timeout';
import { WorkerSocket } from './worker-socket';
import { testHello } from '../reduce/testing/test-hello';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Blocks the event loop, as a long synchronous step or a stopped process does to timers. */
const blockFor = (ms: number): void => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy
  }
};

describe('AwakeTimeout', () => {
  it('expires once, `ms` after it started, when the event loop is free', async () => {
    let expired = 0;
    const timeout = new AwakeTimeout(() => (expired += 1), 50);
    await sleep(20);
    expect(expired).toBe(0);
    await sleep(150);
    expect(expired).toBe(1);
    timeout.clear();
  });

  it('restart() starts the full time again; clear() stops it', async () => {
    let expired = 0;
    const timeout = new AwakeTimeout(() => (expired += 1), 80);
    await sleep(50);
    timeout.restart();
    await sleep(50);
    expect(expired).toBe(0);
    timeout.clear();
    await sleep(100);
    expect(expired).toBe(0);
  });

  it('a firing late because this process did not run waits once more, so what arrived meanwhile is read first', async () => {
    let expired = 0;
    const timeout = new AwakeTimeout(() => (expired += 1), 50, 20);
    blockFor(250); // due after 50 ms; fires about 200 ms late
    await sleep(60);
    expect(expired).toBe(0); // it waits as long as it was late, at most 50 ms more
    timeout.restart(); // a message arrived
    await sleep(20);
    expect(expired).toBe(0);
    await sleep(100);
    expect(expired).toBe(1);
  });

  it('a second late firing expires: a process that keeps blocking its event loop still times out', async () => {
    let expired = 0;
    new AwakeTimeout(() => (expired += 1), 30, 10);
    blockFor(100);
    await sleep(0);
    expect(expired).toBe(0);
    blockFor(100);
    await sleep(60);
    expect(expired).toBe(1);
  });
});

describe('a receive whose process was stopped past its timeout (real process, SIGSTOP)', () => {
  const child = path.join(__dirname, 'testing', 'stopped-receiver-child.ts');

  it('reads the message that arrived while it was stopped instead of timing out', async () => {
    const timeoutMs = 3000;
    const receiver = spawn(process.execPath, ['--import', 'tsx', child, String(timeoutMs)], {
      env: { ...process.env, TSX_TSCONFIG_PATH: path.join(__dirname, '..', '..', '..', '..', 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    receiver.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => receiver.on('close', resolve));
    const printed = (line: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (stdout.split('\n').includes(line)) resolve();
        };
        receiver.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          check();
        });
        void exited.then(() => reject(new Error(`the child exited before printing "${line}": ${stdout}${stderr}`)));
        check();
      });
    const sender = WorkerSocket.connect({ endpoint: await new Promise<string>((resolve, reject) => {
      receiver.stdout.once('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const endpoint = stdout.split('\n')[0];
        if (endpoint.startsWith('tcp://')) resolve(endpoint);
        else reject(new Error(`expected an endpoint first, got: ${stdout}${stderr}`));
      });
    }), workerId: 'sender' });
    try {
      const ready = printed('ready');
      await sender.send(testHello('sender'));
      await ready;
      receiver.kill('SIGSTOP'); // its receive's timer is due in 3 s
      await sleep(timeoutMs + 1500);
      await sender.send(testHello('sender')); // lands in the kernel's buffer while the receiver is stopped
      await sleep(200);
      receiver.kill('SIGCONT'); // its timer is overdue, and Node runs timers before it polls for I/O
      expect(await exited).toBe(0);
      expect(stdout.trim().split('\n').slice(1)).toEqual(['ready', 'received']);
    } finally {
      receiver.kill('SIGKILL');
      await sender.close();
    }
  }, 60_000);
});
