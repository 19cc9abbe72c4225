import type { Skipped } from '../models/model-section';
import { reduceMethodLabel, type ReduceCase, type ReduceMethod } from './reduce-cases';
import { timeReduceCase } from './reduce-timing';
import { timeAlternatedRing } from './alternated-ring-timing';
import type { AlternatedMethod } from './alternated-ring-cases';
import type { SuiteSettings } from '../harness/suite-settings';
import type { TimeBudget } from '../harness/time-budget';
import { summaryStats, type SummaryStats } from '../report/summary-stats';

/** Item 3: one allreduce case. */
export interface ReduceRow extends ReduceCase {
  readonly label: string;
  /** Time of one allreduce (the slowest rank's), ms. */
  readonly ms: SummaryStats;
  /** Median time over the median of raw TCP in the same pattern (star vs TCP star, ring vs TCP ring in its rounds); 1 for those TCP rows. */
  readonly timesCeiling: number;
  /** The ring rows' median over raw TCP streaming the same bytes at once, with no rounds (NaN for the star). */
  readonly timesStream: number;
  /** Every measured run, ms. */
  readonly samples: readonly number[];
}

export interface ReduceSectionResult {
  readonly rows: ReduceRow[];
  readonly skipped: Skipped[];
}

/** The star's methods, timed in rounds of fresh processes (its hub is this process). */
const STAR_METHODS: ReadonlyArray<{ method: ReduceMethod; fp16: boolean }> = [
  { method: 'tcp-star', fp16: false },
  { method: 'star', fp16: false },
  { method: 'star', fp16: true },
];

/** The ring's rows, from the alternated measurement (all four in the same processes, call by call). */
const RING_ROWS: ReadonlyArray<{ method: ReduceMethod; fp16: boolean; alternated: AlternatedMethod }> = [
  { method: 'tcp-ring', fp16: false, alternated: 'raw TCP ring' },
  { method: 'tcp-stream', fp16: false, alternated: 'raw TCP stream' },
  { method: 'zmq-ring', fp16: false, alternated: 'raw ZeroMQ ring' },
  { method: 'ring', fp16: false, alternated: 'ring f32' },
  { method: 'ring', fp16: true, alternated: 'ring fp16' },
];

/**
 * Item 3: star and ring, f32 and fp16, against raw loopback TCP, for each
 * world size and vector size. The ring's four methods (raw TCP, bare
 * ZeroMQ, ring f32, ring fp16) alternate call by call in the same rank
 * processes (alternated-ring-child.ts), reduceRounds x runs calls each; the
 * star's take turns round after round in fresh processes (its hub and
 * coordinator are this process), each row pooling its rounds. Either way
 * a ratio to raw TCP compares times taken in the same minutes, not a quiet
 * minute with a busy one.
 */
export async function runReduceSection(
  settings: SuiteSettings,
  budget: TimeBudget,
  progress: (line: string) => void,
): Promise<ReduceSectionResult> {
  const rows: ReduceRow[] = [];
  const skipped: Skipped[] = [];
  for (const worldSize of settings.reduceWorldSizes) {
    for (const mebibytes of settings.reduceSizesMiB) {
      if (budget.spent()) {
        skipped.push({ what: `allreduce of ${mebibytes} MiB among ${worldSize} processes`, why: budget.reason() });
        continue;
      }
      const runs = settings.reduceRuns(mebibytes, worldSize);
      progress(`allreduce of ${mebibytes} MiB among ${worldSize} processes, ${settings.reduceRounds} rounds of ${runs.runs} runs after ${runs.warmup}`);
      const samples = new Map<string, number[]>();
      const failures = new Map<string, string>();
      for (let round = 0; round < settings.reduceRounds; round++) {
        for (const { method, fp16 } of STAR_METHODS) {
          const label = reduceMethodLabel(method, fp16);
          if (failures.has(label)) continue;
          try {
            const times = await timeReduceCase({ method, fp16, worldSize, mebibytes }, runs, 3 * 60_000);
            samples.set(label, [...(samples.get(label) ?? []), ...times]);
          } catch (error) {
            failures.set(label, `failed: ${(error as Error).message.split('\n')[0]}`);
          }
        }
      }
      try {
        const alternated = await timeAlternatedRing(worldSize, mebibytes, { runs: runs.runs * settings.reduceRounds, warmup: runs.warmup }, 6 * 60_000);
        for (const { method, fp16, alternated: name } of RING_ROWS) samples.set(reduceMethodLabel(method, fp16), alternated[name]);
      } catch (error) {
        for (const { method, fp16 } of RING_ROWS) failures.set(reduceMethodLabel(method, fp16), `failed: ${(error as Error).message.split('\n')[0]}`);
      }
      const medians = new Map<ReduceMethod, number>();
      for (const { method, fp16 } of [...STAR_METHODS, ...RING_ROWS]) {
        const label = reduceMethodLabel(method, fp16);
        const failure = failures.get(label);
        const pooled = samples.get(label);
        if (failure !== undefined || pooled === undefined) {
          skipped.push({ what: `${label}, ${mebibytes} MiB, ${worldSize} processes`, why: failure ?? 'no runs' });
          continue;
        }
        const ms = summaryStats(pooled);
        if (method.startsWith('tcp-')) medians.set(method, ms.median);
        const ratioTo = (baseline: ReduceMethod | undefined) => {
          const median = baseline === undefined ? undefined : medians.get(baseline);
          return median === undefined ? Number.NaN : ms.median / median;
        };
        const isRing = RING_ROWS.some((row) => row.method === method);
        rows.push({
          method,
          fp16,
          worldSize,
          mebibytes,
          label,
          ms,
          timesCeiling: ratioTo(method === 'star' || method === 'tcp-star' ? 'tcp-star' : 'tcp-ring'),
          timesStream: isRing ? ratioTo('tcp-stream') : Number.NaN,
          samples: pooled,
        });
      }
    }
  }
  return { rows, skipped };
}
