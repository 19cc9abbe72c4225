/**
 * The suite's wall-clock budget. Sections ask before each measurement;
 * once it is spent they skip the rest (and say so) rather than run past
 * the 15 minutes (2 with --quick) the suite promises on a busy machine.
 */
export class TimeBudget {
  private readonly started = performance.now();

  /** @param limitSeconds no new measurement starts after this many seconds. */
  constructor(readonly limitSeconds: number) {}

  elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** True once no new measurement may start. */
  spent(): boolean {
    return this.elapsedSeconds() >= this.limitSeconds;
  }

  /** The reason recorded for what is skipped once the budget is spent. */
  reason(): string {
    return `time budget spent: no measurement starts after ${this.limitSeconds} s (the machine is slower or busier than planned)`;
  }
}
