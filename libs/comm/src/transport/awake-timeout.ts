import { performance } from 'node:perf_hooks';

/** A firing later than this (ms) means this process did not run for a while. */
export const DEFAULT_LATE_SLACK_MS = 100;

/** The clock and timers an AwakeTimeout runs on (tests pass a manual one). */
export interface TimeoutClock {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** performance.now() and Node's timers. */
export const SYSTEM_TIMEOUT_CLOCK: TimeoutClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * A "nothing arrived for `ms`" timeout that does not blame a peer for time
 * this process itself did not run.
 *
 * setTimeout fires late when the event loop was blocked or the process was
 * stopped (SIGSTOP, a suspended VM, a debugger), and when it runs again
 * Node runs due timers before it polls for I/O: a message that arrived
 * while it was stopped is still unread when the timer fires. So a firing
 * more than `slackMs` late does not expire yet: it waits once more, for as
 * long as it was late (at most `ms`), and the I/O that waited is read
 * first (and may `restart()` it). A second late firing expires.
 *
 *     const stall = new AwakeTimeout(() => controller.abort(timeoutError), timeoutMs);
 *     socket.on('message', () => stall.restart());
 *     ...
 *     stall.clear();
 */
export class AwakeTimeout {
  private timer: unknown;
  private dueAtMs = 0;
  private deferred = false;

  constructor(
    private readonly onExpire: () => void,
    private readonly ms: number,
    private readonly slackMs = DEFAULT_LATE_SLACK_MS,
    private readonly clock: TimeoutClock = SYSTEM_TIMEOUT_CLOCK,
  ) {
    this.restart();
  }

  /** Starts the full `ms` again (something arrived). */
  restart(): void {
    this.clear();
    this.deferred = false;
    this.arm(this.ms);
  }

  /** Stops it; `onExpire` will not run (until `restart()`). */
  clear(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.dueAtMs = this.clock.now() + ms;
    this.timer = this.clock.setTimeout(() => this.fired(), ms);
  }

  private fired(): void {
    this.timer = undefined;
    const lateMs = this.clock.now() - this.dueAtMs;
    if (!this.deferred && lateMs > this.slackMs) {
      this.deferred = true;
      this.arm(Math.min(lateMs, this.ms));
      return;
    }
    this.onExpire();
  }
}
