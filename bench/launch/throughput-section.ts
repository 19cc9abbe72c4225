import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeLaunch, readStepMetrics, runLaunch, type LaunchCommand, type LaunchStepMetrics } from './launch-runner';
import { modelCase } from '../models/model-cases';
import type { Skipped } from '../models/model-section';
import type { SuiteSettings } from '../harness/suite-settings';
import { summaryStats, type SummaryStats } from '../report/summary-stats';
import type { TimeBudget } from '../harness/time-budget';

/** The example pipeline that trains each model on the bundled Fashion-MNIST subset. */
const PIPELINES: Readonly<Record<string, string>> = {
  dcgan: 'pipelines/fashion-dcgan.ts',
  'conv-vae': 'pipelines/fashion-vae.ts',
  'row-lstm': 'pipelines/fashion-rowlstm.ts',
};

/** Item 4: one model through `ganglion launch` with 1 and 2 workers. */
export interface ThroughputRow {
  readonly model: string;
  readonly label: string;
  /** `ring`, `star`, or `default` when launch takes no --reducer. */
  readonly reducer: string;
  readonly oneWorker: SummaryStats;
  readonly twoWorkers: SummaryStats;
  /** Time per step spent reducing gradients with 2 workers, ms (absent if the run did not report it). */
  readonly twoWorkersReduceMs?: SummaryStats;
  /** Median samples/s with 2 workers over twice the median with 1. */
  readonly scalingEfficiency: number;
}

export interface ThroughputSectionResult {
  /** False when this checkout has no `ganglion launch` yet. */
  readonly launchAvailable: boolean;
  readonly rows: ThroughputRow[];
  readonly skipped: Skipped[];
}

/**
 * Item 4: samples/s with 1 and 2 workers and the scaling efficiency, for
 * each reducer, read from the runs' metrics.jsonl. Skipped when the CLI
 * has no `launch` command.
 */
export async function runThroughputSection(
  settings: SuiteSettings,
  repoRoot: string,
  budget: TimeBudget,
  progress: (line: string) => void,
): Promise<ThroughputSectionResult> {
  const command = probeLaunch(repoRoot);
  if (!command.available) {
    return { launchAvailable: false, rows: [], skipped: [{ what: 'throughput with 1 and 2 workers', why: 'launch not available yet' }] };
  }
  const reducers = command.flags.has('--reducer') ? ['ring', 'star'] : ['default'];
  const rows: ThroughputRow[] = [];
  const skipped: Skipped[] = [];
  const outDir = mkdtempSync(join(tmpdir(), 'ganglion-bench-launch-'));
  try {
    for (const key of settings.throughputModels) {
      const spec = modelCase(key);
      if (budget.spent()) {
        skipped.push({ what: `throughput of ${spec.label}`, why: budget.reason() });
        continue;
      }
      try {
        progress(`${spec.label}: ganglion launch, 1 worker, ${settings.launchSteps} steps`);
        const one = await launchMetrics(repoRoot, command, settings, PIPELINES[key], 1, reducers[0], outDir);
        for (const reducer of reducers) {
          progress(`${spec.label}: ganglion launch, 2 workers, ${reducer}, ${settings.launchSteps} steps`);
          const two = await launchMetrics(repoRoot, command, settings, PIPELINES[key], 2, reducer, outDir);
          const oneWorker = summaryStats(one.samplesPerSecond);
          const twoWorkers = summaryStats(two.samplesPerSecond);
          rows.push({
            model: key,
            label: spec.label,
            reducer,
            oneWorker,
            twoWorkers,
            ...(two.reduceMs.length > 0 ? { twoWorkersReduceMs: summaryStats(two.reduceMs) } : {}),
            scalingEfficiency: twoWorkers.median / (2 * oneWorker.median),
          });
        }
      } catch (error) {
        skipped.push({ what: `throughput of ${spec.label}`, why: `failed: ${(error as Error).message.split('\n')[0]}` });
      }
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  return { launchAvailable: true, rows, skipped };
}

async function launchMetrics(
  repoRoot: string,
  command: LaunchCommand,
  settings: SuiteSettings,
  pipeline: string,
  workers: number,
  reducer: string,
  outDir: string,
): Promise<LaunchStepMetrics> {
  const files = await runLaunch(repoRoot, command, {
    pipeline,
    workers,
    steps: settings.launchSteps,
    reducer: reducer === 'default' ? undefined : reducer,
    outDir: join(outDir, `${workers}-workers-${reducer}-${Date.now()}`),
    timeoutMs: 6 * 60_000,
  });
  // One metrics.jsonl per run is the design; if each worker writes one, they agree on the global rate: take the first.
  return readStepMetrics(files[0], settings.launchWarmupSteps);
}
