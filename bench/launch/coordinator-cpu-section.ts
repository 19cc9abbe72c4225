import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coordinatorCpuOf, probeLaunch, runLaunch } from './launch-runner';
import type { Skipped } from '../models/model-section';
import { summaryStats, type SummaryStats } from '../report/summary-stats';
import { formatStats, textTable } from '../report/text-table';
import type { TimeBudget } from '../harness/time-budget';

export interface CoordinatorCpuSettings {
  /** Alternated rounds, each one run per step window. */
  readonly rounds: number;
  /** Steps per run: long enough that the coordinator's warm-up (JIT, the first grant, the last checksum) is a small part. */
  readonly steps: number;
  /** The --step-window values compared, the default first. */
  readonly windows: readonly number[];
}

/** One --step-window: the coordinator's CPU per step and its share of a core at each run's median step time. */
export interface CoordinatorCpuRow {
  readonly stepWindow: number;
  readonly cpuMsPerStep: SummaryStats;
  readonly medianStepMs: SummaryStats;
  readonly coreShare: SummaryStats;
}

export interface CoordinatorCpuSectionResult {
  readonly rows: CoordinatorCpuRow[];
  readonly skipped: Skipped[];
}

/** The run measured: the ConvVAE (the shortest steps of the three), 2 workers of 64 images, ring reducer, WASM. */
const PIPELINE = 'pipelines/fashion-vae.ts';
const WORKERS = 2;
const BATCH_SIZE = 128;

/**
 * Issue 10's "the coordinator stays off the critical path": its CPU per
 * step in ring mode at steady state, `ganglion launch` runs of `steps`
 * steps (its warm-up weighs on the weak-scaling section's 25-step runs), one
 * per --step-window value, alternated round by round. The figure is
 * `process.cpuUsage()` of the launcher process (coordinator and launcher,
 * every thread) from the first STEP to the last STEP_DONE, over the steps.
 */
export async function runCoordinatorCpuSection(
  settings: CoordinatorCpuSettings,
  repoRoot: string,
  budget: TimeBudget,
  progress: (line: string) => void,
): Promise<CoordinatorCpuSectionResult> {
  const command = probeLaunch(repoRoot);
  if (!command.available || !command.flags.has('--step-window')) {
    return { rows: [], skipped: [{ what: "the coordinator's CPU per step", why: 'launch with --step-window not available' }] };
  }
  const outDir = mkdtempSync(join(tmpdir(), 'ganglion-bench-coordinator-'));
  const measured = new Map(settings.windows.map((window) => [window, { cpu: [] as number[], stepMs: [] as number[], share: [] as number[] }]));
  const skipped: Skipped[] = [];
  try {
    for (let round = 0; round < settings.rounds; round++) {
      for (const window of settings.windows) {
        if (budget.spent()) {
          skipped.push({ what: `coordinator CPU, --step-window ${window}, round ${round + 1}`, why: budget.reason() });
          continue;
        }
        progress(`coordinator CPU, round ${round + 1}/${settings.rounds}: ganglion launch ${PIPELINE}, ${WORKERS} workers, ${settings.steps} steps, --step-window ${window}`);
        let tail = '';
        try {
          await runLaunch(repoRoot, command, {
            pipeline: PIPELINE,
            workers: WORKERS,
            steps: settings.steps,
            reducer: 'ring',
            batchSize: BATCH_SIZE,
            outDir: join(outDir, `${window}-${round}`),
            timeoutMs: 10 * 60_000,
            onOutput: (text) => (tail = text),
            extraArgs: ['--step-window', String(window)],
          });
        } catch (error) {
          skipped.push({ what: `coordinator CPU, --step-window ${window}, round ${round + 1}`, why: `failed: ${(error as Error).message.split('\n')[0]}` });
          continue;
        }
        const cpu = coordinatorCpuOf(tail);
        if (cpu === undefined) {
          skipped.push({ what: `coordinator CPU, --step-window ${window}, round ${round + 1}`, why: 'the run printed no coordinator CPU line' });
          continue;
        }
        const into = measured.get(window) as { cpu: number[]; stepMs: number[]; share: number[] };
        into.cpu.push(cpu.cpuMsPerStep);
        into.stepMs.push(cpu.medianStepMs);
        into.share.push(cpu.cpuMsPerStep / cpu.medianStepMs);
      }
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  const rows = [...measured]
    .filter(([, m]) => m.cpu.length > 0)
    .map(([stepWindow, m]) => ({ stepWindow, cpuMsPerStep: summaryStats(m.cpu), medianStepMs: summaryStats(m.stepMs), coreShare: summaryStats(m.share) }));
  return { rows, skipped };
}

/** The section's table: per --step-window, min / median / max over the rounds. */
export function coordinatorCpuTable(rows: readonly CoordinatorCpuRow[]): string {
  return textTable(
    ['--step-window', 'runs', 'coordinator CPU ms/step', 'median step ms', '% of a core'],
    rows.map((row) => [
      String(row.stepWindow),
      String(row.cpuMsPerStep.count),
      formatStats(row.cpuMsPerStep, 2),
      formatStats(row.medianStepMs, 1),
      `${(100 * row.coreShare.min).toFixed(2)} / ${(100 * row.coreShare.median).toFixed(2)} / ${(100 * row.coreShare.max).toFixed(2)}`,
    ]),
  );
}
