import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findDdpAnchor, runDdpAnchor } from './ddp-anchor-runner';
import { coordinatorCpuOf, probeLaunch, readStepMetrics, runLaunch, wallTimeSamplesPerSecond } from './launch-runner';
import { type ModelKey, modelCase } from '../models/model-cases';
import type { Skipped } from '../models/model-section';
import { summaryStats, type SummaryStats } from '../report/summary-stats';
import { formatStats, textTable } from '../report/text-table';
import type { TimeBudget } from '../harness/time-budget';

/** Weak scaling: images per worker, as DDP is used. */
const PER_WORKER = 64;
const PIPELINES: Readonly<Record<ModelKey, { readonly pipeline: string; readonly ddpModel: 'gan' | 'vae' | 'rnn' }>> = {
  dcgan: { pipeline: 'pipelines/fashion-dcgan.ts', ddpModel: 'gan' },
  'conv-vae': { pipeline: 'pipelines/fashion-vae.ts', ddpModel: 'vae' },
  'row-lstm': { pipeline: 'pipelines/fashion-rowlstm.ts', ddpModel: 'rnn' },
};

/** Untimed warm-up steps, then timed steps, for one model. */
export interface WeakScalingSteps {
  readonly warmup: number;
  readonly timed: number;
}

export interface WeakScalingSettings {
  readonly models: readonly ModelKey[];
  /** Interleaved rounds (each: Ganglion 1 and 2 workers, DDP 1 and 2 workers, per model). */
  readonly rounds: number;
  /**
   * Per model, the same for both frameworks: each `ganglion launch` runs
   * warmup + timed steps and the first `warmup` are left out; the DDP
   * anchor gets --warmup and --steps.
   */
  readonly steps: Readonly<Record<ModelKey, WeakScalingSteps>>;
}

/**
 * One model: per round, both frameworks' samples/s with 1 and 2 workers and
 * the efficiency sps(2) / (2 sps(1)), measured two ways for both: over the
 * timed steps' wall time (the anchor's samples_per_sec, the figure the
 * target is judged on) and from the median step.
 */
export interface WeakScalingRow {
  readonly model: ModelKey;
  readonly label: string;
  /** Both frameworks' warm-up and timed steps per run. */
  readonly steps: WeakScalingSteps;
  readonly ganglionEfficiency: SummaryStats;
  readonly ddpEfficiency: SummaryStats;
  readonly ganglionMedianStepEfficiency: SummaryStats;
  readonly ddpMedianStepEfficiency: SummaryStats;
  /** Over the timed steps' wall time. */
  readonly ganglionSamplesPerSecond: { readonly one: SummaryStats; readonly two: SummaryStats };
  readonly ddpSamplesPerSecond: { readonly one: SummaryStats; readonly two: SummaryStats };
  /** Ganglion's 2-worker ring runs: the coordinator's CPU per step (ms) and its share of a core at that run's median step time. */
  readonly coordinatorCpuMsPerStep: SummaryStats;
  readonly coordinatorCoreShare: SummaryStats;
  /** DDP's own contamination gauge per run (share of cores used by other processes). */
  readonly ddpForeignCpu: SummaryStats;
  /** Cores DDP's workers used in their timed loop, with 1 and 2 workers: above 1 per worker, torch computed with more than its one thread. */
  readonly ddpOwnCores: { readonly one: SummaryStats; readonly two: SummaryStats };
  /** Each round's efficiency over wall time, in round order, so that runs can be pooled. */
  readonly rounds: { readonly ganglion: readonly number[]; readonly ddp: readonly number[] };
}

export interface WeakScalingSectionResult {
  readonly rows: WeakScalingRow[];
  readonly skipped: Skipped[];
}

/**
 * Weak scaling against PyTorch DDP, the way DDP is measured: 64 images
 * per worker, 1 then 2 workers, samples/s; `ganglion launch` (ring
 * reducer, WASM) and the DDP anchor (gloo, 1 thread per worker)
 * interleaved round by round so that both see the same machine load, with
 * the same warm-up and timed steps. Efficiency per round = samples/s with
 * 2 workers / (2 × with 1), both over the timed steps' wall time (as the
 * anchor's samples_per_sec) and from the median step; the table gives min /
 * median / max over the rounds. In the 2-worker Ganglion runs it reads the
 * coordinator's CPU time per step.
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
  const measured = new Map<ModelKey, WeakScalingMeasurements>(settings.models.map((model) => [model, emptyMeasurements()]));
  try {
    for (let round = 0; round < settings.rounds; round++) {
      for (const model of settings.models) {
        const { pipeline, ddpModel } = PIPELINES[model];
        const { warmup, timed } = settings.steps[model];
        const label = modelCase(model).label;
        if (budget.spent()) {
          skipped.push({ what: `weak scaling of ${label}, round ${round + 1}`, why: budget.reason() });
          continue;
        }
        // This round's figures join the model's only once all four runs finished, so that a failed run leaves no
        // half round behind to pair one round's 2-worker rate with another's 1-worker rate.
        const into = emptyMeasurements();
        try {
          for (const workers of [1, 2]) {
            progress(`weak scaling, round ${round + 1}/${settings.rounds}: ${label}, ganglion launch, ${workers} worker${workers === 1 ? '' : 's'} x ${PER_WORKER}`);
            let tail = '';
            const files = await runLaunch(repoRoot, command, {
              pipeline,
              workers,
              steps: warmup + timed,
              reducer: 'ring',
              batchSize: PER_WORKER * workers,
              outDir: join(outDir, `${model}-${workers}-${round}`),
              timeoutMs: 10 * 60_000,
              onOutput: (text) => (tail = text),
            });
            const steps = readStepMetrics(files[0], warmup);
            (workers === 1 ? into.g1 : into.g2).push(wallTimeSamplesPerSecond(steps));
            (workers === 1 ? into.mg1 : into.mg2).push(summaryStats(steps.samplesPerSecond).median);
            const cpu = coordinatorCpuOf(tail);
            if (workers === 2 && cpu !== undefined) {
              into.cpu.push(cpu.cpuMsPerStep);
              into.share.push(cpu.cpuMsPerStep / cpu.medianStepMs);
            }
            progress(`weak scaling, round ${round + 1}/${settings.rounds}: ${label}, DDP, ${workers} worker${workers === 1 ? '' : 's'} x ${PER_WORKER}`);
            const ddp = await runDdpAnchor(anchor, {
              model: ddpModel,
              worldSize: workers,
              batch: PER_WORKER,
              steps: timed,
              warmup,
              timeoutMs: 10 * 60_000,
            });
            (workers === 1 ? into.d1 : into.d2).push(ddp.samples_per_sec);
            (workers === 1 ? into.md1 : into.md2).push((1000 * workers * PER_WORKER) / ddp.ms_per_step_median);
            if (ddp.foreign_cpu_frac !== undefined) into.foreign.push(ddp.foreign_cpu_frac);
            if (ddp.own_cpu_util !== undefined) (workers === 1 ? into.own1 : into.own2).push(ddp.own_cpu_util);
          }
          appendMeasurements(measured.get(model) as WeakScalingMeasurements, into);
        } catch (error) {
          skipped.push({ what: `weak scaling of ${label}, round ${round + 1}`, why: `failed: ${(error as Error).message.split('\n')[0]}` });
        }
      }
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  for (const model of settings.models) {
    const row = weakScalingRow(model, settings.steps[model], measured.get(model) as WeakScalingMeasurements);
    if (row !== undefined) rows.push(row);
  }
  return { rows, skipped };
}

/**
 * What one model's runs measured, round by round: wall-time samples/s
 * (g1, g2: Ganglion; d1, d2: DDP) and median-step samples/s (m…) with 1
 * and 2 workers, the coordinator's CPU (ms per step, share of a core), and
 * DDP's gauges (foreign CPU; its own cores with 1 and 2 workers).
 */
export type WeakScalingMeasurements = Record<
  'g1' | 'g2' | 'd1' | 'd2' | 'mg1' | 'mg2' | 'md1' | 'md2' | 'cpu' | 'share' | 'foreign' | 'own1' | 'own2',
  number[]
>;

function emptyMeasurements(): WeakScalingMeasurements {
  return { g1: [], g2: [], d1: [], d2: [], mg1: [], mg2: [], md1: [], md2: [], cpu: [], share: [], foreign: [], own1: [], own2: [] };
}

/** Appends every series of `round` to the same series of `all`. */
function appendMeasurements(all: WeakScalingMeasurements, round: WeakScalingMeasurements): void {
  for (const key of Object.keys(all) as (keyof WeakScalingMeasurements)[]) all[key].push(...round[key]);
}

/**
 * One model's row from its measurements: efficiency sps(2) / (2 sps(1))
 * per round (the section records only rounds whose four runs all
 * finished); undefined when there is none.
 */
export function weakScalingRow(model: ModelKey, steps: WeakScalingSteps, m: WeakScalingMeasurements): WeakScalingRow | undefined {
  const rounds = m.g1.length;
  if (rounds === 0) return undefined;
  const series = [m.g2, m.d1, m.d2, m.mg1, m.mg2, m.md1, m.md2];
  if (series.some((values) => values.length !== rounds)) {
    throw new Error(`weakScalingRow: ${model}'s per-round series differ in length (${[m.g1, ...series].map((values) => values.length).join(', ')}); a round must add to all of them or none.`);
  }
  const perRound = (two: number[], one: number[]) => two.map((value, i) => value / (2 * one[i]));
  const efficiency = (two: number[], one: number[]) => summaryStats(perRound(two, one));
  const orZero = (values: number[]) => summaryStats(values.length > 0 ? values : [0]);
  return {
    model,
    label: modelCase(model).label,
    steps,
    ganglionEfficiency: efficiency(m.g2, m.g1),
    ddpEfficiency: efficiency(m.d2, m.d1),
    ganglionMedianStepEfficiency: efficiency(m.mg2, m.mg1),
    ddpMedianStepEfficiency: efficiency(m.md2, m.md1),
    ganglionSamplesPerSecond: { one: summaryStats(m.g1), two: summaryStats(m.g2) },
    ddpSamplesPerSecond: { one: summaryStats(m.d1), two: summaryStats(m.d2) },
    coordinatorCpuMsPerStep: orZero(m.cpu),
    coordinatorCoreShare: orZero(m.share),
    ddpForeignCpu: orZero(m.foreign),
    ddpOwnCores: { one: orZero(m.own1), two: orZero(m.own2) },
    rounds: { ganglion: perRound(m.g2, m.g1), ddp: perRound(m.d2, m.d1) },
  };
}

/**
 * The section's table: both efficiencies side by side (min / median / max
 * over the rounds), over wall time and from the median step, samples/s
 * medians (wall time), the coordinator's CPU.
 */
export function weakScalingTable(rows: readonly WeakScalingRow[]): string {
  return textTable(
    [
      'model',
      'rounds',
      'steps (warm-up + timed)',
      'Ganglion eff. (wall time)',
      'DDP eff. (wall time)',
      'Ganglion eff. (median step)',
      'DDP eff. (median step)',
      'Ganglion sps 1w / 2w',
      'DDP sps 1w / 2w',
      'coord. CPU ms/step',
      '% of a core',
      'DDP foreign CPU',
      'DDP cores used 1w / 2w',
    ],
    rows.map((row) => [
      row.label,
      String(row.ganglionEfficiency.count),
      `${row.steps.warmup} + ${row.steps.timed}`,
      formatStats(row.ganglionEfficiency, 2),
      formatStats(row.ddpEfficiency, 2),
      formatStats(row.ganglionMedianStepEfficiency, 2),
      formatStats(row.ddpMedianStepEfficiency, 2),
      `${row.ganglionSamplesPerSecond.one.median.toFixed(0)} / ${row.ganglionSamplesPerSecond.two.median.toFixed(0)}`,
      `${row.ddpSamplesPerSecond.one.median.toFixed(0)} / ${row.ddpSamplesPerSecond.two.median.toFixed(0)}`,
      row.coordinatorCpuMsPerStep.median.toFixed(2),
      `${(100 * row.coordinatorCoreShare.median).toFixed(2)}%`,
      formatStats(row.ddpForeignCpu, 2),
      `${row.ddpOwnCores.one.median.toFixed(2)} / ${row.ddpOwnCores.two.median.toFixed(2)}`,
    ]),
  );
}
