import { performance } from 'node:perf_hooks';

/** A firing later than this (ms) means this process did not run for a while. */
export const DEFAULT_LATE_SLACK_MS = 100;

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
  private timer: NodeJS.Timeout | undefined;
  private dueAtMs = 0;
  private deferred = false;

  constructor(
    private readonly onExpire: () => void,
    private readonly ms: number,
    private readonly slackMs = DEFAULT_LATE_SLACK_MS,
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
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.dueAtMs = performance.now() + ms;
    this.timer = setTimeout(() => this.fired(), ms);
  }

  private fired(): void {
    this.timer = undefined;
    const lateMs = performance.now() - this.dueAtMs;
    if (!this.deferred && lateMs > this.slackMs) {
      this.deferred = true;
      this.arm(Math.min(lateMs, this.ms));
      return;
    }
    this.onExpire();
  }
}
