import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findDdpAnchor, runDdpAnchor } from './ddp-anchor-runner';
import { coordinatorCpuOf, probeLaunch, readStepMetrics, runLaunch } from './launch-runner';
import { modelCase } from '../models/model-cases';
import type { Skipped } from '../models/model-section';
import { summaryStats, type SummaryStats } from '../report/summary-stats';
import { formatStats, textTable } from '../report/text-table';
import type { TimeBudget } from '../harness/time-budget';

/** Weak scaling: images per worker, as DDP is used. */
const PER_WORKER = 64;
const PIPELINES: Readonly<Record<string, { readonly pipeline: string; readonly ddpModel: 'gan' | 'vae' | 'rnn' }>> = {
  dcgan: { pipeline: 'pipelines/fashion-dcgan.ts', ddpModel: 'gan' },
  'conv-vae': { pipeline: 'pipelines/fashion-vae.ts', ddpModel: 'vae' },
  'row-lstm': { pipeline: 'pipelines/fashion-rowlstm.ts', ddpModel: 'rnn' },
};

export interface WeakScalingSettings {
  readonly models: readonly string[];
  /** Interleaved rounds (each: Ganglion 1 and 2 workers, DDP 1 and 2 workers, per model). */
  readonly rounds: number;
  /** Steps of each `ganglion launch`, and of them the warm-up steps left out. */
  readonly launchSteps: number;
  readonly warmupSteps: number;
  /** Timed steps of each DDP run (the anchor does its own warm-up). */
  readonly ddpSteps: number;
}

/** One model: per round, both frameworks' samples/s with 1 and 2 workers and the efficiency sps(2) / (2 sps(1)). */
export interface WeakScalingRow {
  readonly model: string;
  readonly label: string;
  readonly ganglionEfficiency: SummaryStats;
  readonly ddpEfficiency: SummaryStats;
  readonly ganglionSamplesPerSecond: { readonly one: SummaryStats; readonly two: SummaryStats };
  readonly ddpSamplesPerSecond: { readonly one: SummaryStats; readonly two: SummaryStats };
  /** Ganglion's 2-worker ring runs: the coordinator's CPU per step (ms) and its share of a core at that run's median step time. */
  readonly coordinatorCpuMsPerStep: SummaryStats;
  readonly coordinatorCoreShare: SummaryStats;
  /** DDP's own contamination gauge per run (share of cores used by other processes). */
  readonly ddpForeignCpu: SummaryStats;
}

export interface WeakScalingSectionResult {
  readonly rows: WeakScalingRow[];
  readonly skipped: Skipped[];
}

/**
 * Weak scaling against PyTorch DDP, the way DDP is measured: 64 images
 * per worker, 1 then 2 workers, samples/s; `ganglion launch` (ring
 * reducer, WASM) and the DDP anchor (gloo, 1 thread per worker)
 * interleaved round by round so that both see the same machine load.
 * Efficiency per round = samples/s with 2 workers / (2 × with 1); the
 * table gives min / median / max over the rounds. In the 2-worker
 * Ganglion runs it reads the coordinator's CPU time per step.
 */
export async function runWeakScalingSection(
  settings: WeakScalingSettings,
  repoRoot: string,
  budget: TimeBudget,
  progress: (line: string) => void,
): Promise<WeakScalingSectionResult> {
  const anchor = findDdpAnchor(repoRoot);
  if (!anchor.available) return { rows: [], skipped: [{ what: 'weak scaling against DDP', why: anchor.why }] };
  const command = probeLaunch(repoRoot);
  if (!command.available) return { rows: [], skipped: [{ what: 'weak scaling against DDP', why: 'launch not available' }] };
  const outDir = mkdtempSync(join(tmpdir(), 'ganglion-bench-weak-'));
  const rows: WeakScalingRow[] = [];
  const skipped: Skipped[] = [];
  type Rounds = { g1: number[]; g2: number[]; d1: number[]; d2: number[]; cpu: number[]; share: number[]; foreign: number[] };
  const measured = new Map<string, Rounds>(settings.models.map((model) => [model, { g1: [], g2: [], d1: [], d2: [], cpu: [], share: [], foreign: [] }]));
  try {
    for (let round = 0; round < settings.rounds; round++) {
      for (const model of settings.models) {
        const { pipeline, ddpModel } = PIPELINES[model];
        const label = modelCase(model).label;
        if (budget.spent()) {
          skipped.push({ what: `weak scaling of ${label}, round ${round + 1}`, why: budget.reason() });
          continue;
        }
        const into = measured.get(model) as Rounds;
        try {
          for (const workers of [1, 2]) {
            progress(`weak scaling, round ${round + 1}/${settings.rounds}: ${label}, ganglion launch, ${workers} worker${workers === 1 ? '' : 's'} x ${PER_WORKER}`);
            let tail = '';
            const files = await runLaunch(repoRoot, command, {
              pipeline,
              workers,
              steps: settings.launchSteps,
              reducer: 'ring',
              batchSize: PER_WORKER * workers,
              outDir: join(outDir, `${model}-${workers}-${round}`),
              timeoutMs: 10 * 60_000,
              onOutput: (text) => (tail = text),
            });
            const sps = summaryStats(readStepMetrics(files[0], settings.warmupSteps).samplesPerSecond).median;
            (workers === 1 ? into.g1 : into.g2).push(sps);
            const cpu = coordinatorCpuOf(tail);
            if (workers === 2 && cpu !== undefined) {
              into.cpu.push(cpu.cpuMsPerStep);
              into.share.push(cpu.cpuMsPerStep / cpu.medianStepMs);
            }
            progress(`weak scaling, round ${round + 1}/${settings.rounds}: ${label}, DDP, ${workers} worker${workers === 1 ? '' : 's'} x ${PER_WORKER}`);
            const ddp = await runDdpAnchor(anchor, { model: ddpModel, worldSize: workers, batch: PER_WORKER, steps: settings.ddpSteps, timeoutMs: 10 * 60_000 });
            (workers === 1 ? into.d1 : into.d2).push(ddp.samples_per_sec);
            if (ddp.foreign_cpu_frac !== undefined) into.foreign.push(ddp.foreign_cpu_frac);
          }
        } catch (error) {
          skipped.push({ what: `weak scaling of ${label}, round ${round + 1}`, why: `failed: ${(error as Error).message.split('\n')[0]}` });
        }
      }
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  for (const model of settings.models) {
    const m = measured.get(model) as Rounds;
    const rounds = Math.min(m.g1.length, m.g2.length, m.d1.length, m.d2.length);
    if (rounds === 0) continue;
    const efficiency = (two: number[], one: number[]) => summaryStats(two.slice(0, rounds).map((value, i) => value / (2 * one[i])));
    const orZero = (values: number[]) => summaryStats(values.length > 0 ? values : [0]);
    rows.push({
      model,
      label: modelCase(model).label,
      ganglionEfficiency: efficiency(m.g2, m.g1),
      ddpEfficiency: efficiency(m.d2, m.d1),
      ganglionSamplesPerSecond: { one: summaryStats(m.g1), two: summaryStats(m.g2) },
      ddpSamplesPerSecond: { one: summaryStats(m.d1), two: summaryStats(m.d2) },
      coordinatorCpuMsPerStep: orZero(m.cpu),
      coordinatorCoreShare: orZero(m.share),
      ddpForeignCpu: orZero(m.foreign),
    });
  }
  return { rows, skipped };
}

/** The section's table: both efficiencies side by side (min / median / max over the rounds), samples/s medians, the coordinator's CPU. */
export function weakScalingTable(rows: readonly WeakScalingRow[]): string {
  return textTable(
    ['model', 'rounds', 'Ganglion eff. min/med/max', 'DDP eff. min/med/max', 'Ganglion sps 1w / 2w', 'DDP sps 1w / 2w', 'coord. CPU ms/step', '% of a core', 'DDP foreign CPU'],
    rows.map((row) => [
      row.label,
      String(row.ganglionEfficiency.count),
      formatStats(row.ganglionEfficiency, 2),
      formatStats(row.ddpEfficiency, 2),
      `${row.ganglionSamplesPerSecond.one.median.toFixed(0)} / ${row.ganglionSamplesPerSecond.two.median.toFixed(0)}`,
      `${row.ddpSamplesPerSecond.one.median.toFixed(0)} / ${row.ddpSamplesPerSecond.two.median.toFixed(0)}`,
      row.coordinatorCpuMsPerStep.median.toFixed(2),
      `${(100 * row.coordinatorCoreShare.median).toFixed(2)}%`,
      formatStats(row.ddpForeignCpu, 2),
    ]),
  );
}
