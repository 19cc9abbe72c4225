// The one stopwatch of the benchmarks: wall clock and this process's CPU time.

/** Time taken by some work: wall clock, and CPU time of this whole process (user + system). */
export interface StepTime {
  readonly wallMs: number;
  /** Less disturbed than wall time when other processes share the cores. */
  readonly cpuMs: number;
}

/** Starts a stopwatch; calling the result reads wall and CPU time since the start. */
export function startStopwatch(): () => StepTime {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { wallMs: performance.now() - wall, cpuMs: (used.user + used.system) / 1000 };
  };
}

/** Wall and CPU time of `run`. */
export function timeStep(run: () => void): StepTime {
  const stop = startStopwatch();
  run();
  return stop();
}

/** Wall and CPU time of asynchronous work (a training step: its loss is read back with `await data()`). */
export async function timeStepAsync(run: () => Promise<void>): Promise<StepTime> {
  const stop = startStopwatch();
  await run();
  return stop();
}
