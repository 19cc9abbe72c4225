import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coordinatorCpuOf, readStepMetrics, wallTimeSamplesPerSecond } from './launch-runner';

describe('coordinatorCpuOf', () => {
  it("reads a run's closing summary: median step time and the coordinator's CPU per step", () => {
    const tail = 'Trained 400 steps with 2 workers (reducer ring): 57 ms/step (median), reduce 5.1 ms/step, coordinator CPU 1.37 ms/step.\nWeights identical';
    expect(coordinatorCpuOf(tail)).toEqual({ medianStepMs: 57, cpuMsPerStep: 1.37 });
  });

  it('is undefined when the line is missing (a run that printed no summary)', () => {
    expect(coordinatorCpuOf('Trained 400 steps with 1 worker: 40 ms/step')).toBeUndefined();
  });
});

describe('readStepMetrics and wallTimeSamplesPerSecond', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ganglion-step-metrics-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** 128 samples per step; step 2 a 400 ms stall (a full GC), the others 100 ms. */
  function metricsFile(): string {
    const file = join(dir, 'metrics.jsonl');
    const lines = [0, 1, 2, 3, 4].map((step) => {
      const stepMs = step === 2 ? 400 : 100;
      return JSON.stringify({ step, losses: { vae: 1 }, stepMs, samplesPerSecond: (128 * 1000) / stepMs, reduceMs: 5 });
    });
    writeFileSync(file, lines.join('\n') + '\n');
    return file;
  }

  it('leaves out the warm-up steps and keeps each step time beside its rate', () => {
    const metrics = readStepMetrics(metricsFile(), 1);
    expect(metrics.stepMs).toEqual([100, 400, 100, 100]);
    expect(metrics.samplesPerSecond).toEqual([1280, 320, 1280, 1280]);
    expect(metrics.reduceMs).toEqual([5, 5, 5, 5]);
  });

  it('counts a slow step in the wall-time rate, where the median step hides it', () => {
    const metrics = readStepMetrics(metricsFile(), 1);
    expect(wallTimeSamplesPerSecond(metrics)).toBeCloseTo((4 * 128 * 1000) / 700, 6); // 731.4, not the median's 1280
  });

  it('refuses a run with no timed steps', () => {
    expect(() => wallTimeSamplesPerSecond(readStepMetrics(metricsFile(), 10))).toThrow(/no timed steps were read/);
  });
});
