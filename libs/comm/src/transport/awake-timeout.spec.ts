import * as path from 'node:path';
import { AwakeTimeout, type TimeoutClock } from './awake-timeout';
import { WorkerSocket } from './worker-socket';
import { testHello } from '../reduce/testing/test-hello';
import { TsChild } from './testing/ts-child';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Timers that run only when the test says time passed: `run(ms)` with the event loop free, `stop(ms)` while the process did not run. */
class ManualClock implements TimeoutClock {
  private nowMs = 0;
  private readonly timers = new Map<number, { dueMs: number; callback: () => void }>();
  private nextId = 1;

  now(): number {
    return this.nowMs;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { dueMs: this.nowMs + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Time passes with the event loop free: each timer fires when due. */
  run(ms: number): void {
    const until = this.nowMs + ms;
    for (let next = this.due(until); next !== undefined; next = this.due(until)) {
      this.nowMs = Math.max(this.nowMs, next[1].dueMs);
      this.timers.delete(next[0]);
      next[1].callback();
    }
    this.nowMs = until;
  }

  /** Time passes while the process does not run (SIGSTOP, a blocked loop); then the overdue timers fire at once, late. */
  stop(ms: number): void {
    this.nowMs += ms;
    for (let next = this.due(this.nowMs); next !== undefined; next = this.due(this.nowMs)) {
      this.timers.delete(next[0]);
      next[1].callback();
    }
  }

  private due(untilMs: number): [number, { dueMs: number; callback: () => void }] | undefined {
    return [...this.timers.entries()].filter(([, timer]) => timer.dueMs <= untilMs).sort((a, b) => a[1].dueMs - b[1].dueMs)[0];
  }
}

describe('AwakeTimeout', () => {
  const started = (ms: number, slackMs = 100): { clock: ManualClock; expiries: () => number; timeout: AwakeTimeout } => {
    const clock = new ManualClock();
    let expired = 0;
    const timeout = new AwakeTimeout(() => (expired += 1), ms, slackMs, clock);
    return { clock, expiries: () => expired, timeout };
  };

  it('expires once, `ms` after it started, when the process runs', () => {
    const { clock, expiries } = started(1000);
    clock.run(999);
    expect(expiries()).toBe(0);
    clock.run(1);
    expect(expiries()).toBe(1);
    clock.run(10_000);
    expect(expiries()).toBe(1);
  });

  it('restart() starts the full time again; clear() stops it', () => {
    const { clock, expiries, timeout } = started(1000);
    clock.run(800);
    timeout.restart();
    clock.run(800);
    expect(expiries()).toBe(0);
    timeout.clear();
    clock.run(10_000);
    expect(expiries()).toBe(0);
  });

  it('a firing late because the process did not run waits once more, as long as it was late, so what arrived meanwhile is read first', () => {
    const { clock, expiries, timeout } = started(1000);
    clock.run(500);
    clock.stop(800); // stopped from 500 to 1300 ms: the timer fires 300 ms late
    expect(expiries()).toBe(0);
    clock.run(299);
    expect(expiries()).toBe(0);
    timeout.restart(); // the message that came while it was stopped is read
    clock.run(999);
    expect(expiries()).toBe(0);
    clock.run(1);
    expect(expiries()).toBe(1);
  });

  it('waits at most `ms` more however long the process was stopped; a firing within the slack expires on time', () => {
    const long = started(1000);
    long.clock.stop(60_000);
    long.clock.run(999);
    expect(long.expiries()).toBe(0);
    long.clock.run(1);
    expect(long.expiries()).toBe(1);

    const slack = started(1000, 100);
    slack.clock.run(900);
    slack.clock.stop(200); // 100 ms late: within the slack
    expect(slack.expiries()).toBe(1);
  });

  it('a second late firing expires: a process that keeps blocking its event loop still times out', () => {
    const { clock, expiries } = started(1000);
    clock.stop(1500);
    expect(expiries()).toBe(0);
    clock.stop(1500);
    expect(expiries()).toBe(1);
  });

  it('runs on performance.now() and Node timers by default', async () => {
    let expired = 0;
    new AwakeTimeout(() => (expired += 1), 20);
    expect(expired).toBe(0);
    await sleep(500);
    expect(expired).toBe(1);
  });
});

describe('a receive whose process was stopped past its timeout (real process, SIGSTOP)', () => {
  const child = path.join(__dirname, 'testing', 'stopped-receiver-child.ts');

  it('reads the message that arrived while it was stopped instead of timing out', async () => {
    const timeoutMs = 3000;
    const receiver = new TsChild(child, [String(timeoutMs)]);
    const sender = WorkerSocket.connect({ endpoint: await receiver.waitForLine((line) => line.startsWith('tcp://')), workerId: 'sender' });
    try {
      await sender.send(testHello('sender'));
      await receiver.waitForLine((line) => line === 'ready');
      receiver.kill('SIGSTOP'); // its receive's timer is due in 3 s
      await sleep(timeoutMs + 3000); // its timer fires about 3 s late: it then waits up to 3 s more
      await sender.send(testHello('sender')); // lands in the kernel's buffer while the receiver is stopped
      await sleep(200);
      receiver.kill('SIGCONT'); // its timer is overdue, and Node runs timers before it polls for I/O
      expect(await receiver.exited).toBe(0);
      expect(receiver.lines.slice(1)).toEqual(['ready', 'received']);
    } finally {
      receiver.kill('SIGKILL');
      await sender.close();
    }
  }, 60_000);
});
