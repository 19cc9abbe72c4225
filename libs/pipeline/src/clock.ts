/** Time, injected so that tests can control it. */
export interface Clock {
  /** Milliseconds, monotonic, for measuring durations. */
  now(): number;
  /** Wall-clock time, for timestamps in logs and folder names. */
  date(): Date;
}

export const Clock = Symbol('Clock');

export class SystemClock implements Clock {
  now(): number {
    return performance.now();
  }

  date(): Date {
    return new Date();
  }
}
