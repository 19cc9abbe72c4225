import { buildSoakPlan, DEFAULT_SOAK_SIZES, SHORT_SOAK_SIZES } from './soak-plan';
import { type SoakReport, soakReport } from './soak-report';
import { SoakRunner, type SoakWorldResult } from './soak-runner';

export interface SoakOptions {
  /** Allreduces in all, split evenly over the world sizes. */
  readonly calls: number;
  readonly worldSizes: readonly number[];
  readonly sizes: 'default' | 'short';
  readonly seed: number;
  /** Chance a send is held back, and for how long at most (ms). Default 0.25, 4 ms. */
  readonly delay?: { readonly probability: number; readonly maxMs: number };
  /** A call slower than this is a stall. Default 60000 ms. */
  readonly reduceTimeoutMs?: number;
  /** Bound on each world's run, ms. */
  readonly worldDeadlineMs: number;
  readonly onProgress?: (line: string) => void;
}

/** Consecutive slices of the plan, one per world size. */
export function soakWorldSlices(calls: number, worldSizes: readonly number[]): { worldSize: number; from: number; to: number }[] {
  const per = Math.ceil(calls / worldSizes.length);
  return worldSizes.map((worldSize, w) => ({ worldSize, from: Math.min(calls, w * per), to: Math.min(calls, (w + 1) * per) }));
}

/** Runs the soak: one SoakRunner per world size, one after the other, over consecutive slices of one plan. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const slices = soakWorldSlices(options.calls, options.worldSizes).filter((slice) => slice.to > slice.from);
  const closingCalls = slices.map((slice) => slice.to - 1);
  const plan = buildSoakPlan({ calls: options.calls, seed: options.seed, sizes: options.sizes === 'short' ? SHORT_SOAK_SIZES : DEFAULT_SOAK_SIZES, closingCalls });
  const started = Date.now();
  const worlds: SoakWorldResult[] = [];
  for (const { worldSize, from, to } of slices) {
    let lastLine = 0;
    const runner = new SoakRunner({
      worldSize,
      planSeed: options.seed,
      planCalls: options.calls,
      sizes: options.sizes,
      closingCalls,
      from,
      to,
      delay: options.delay ?? { probability: 0.25, maxMs: 4 },
      reduceTimeoutMs: options.reduceTimeoutMs ?? 60_000,
      deadlineMs: options.worldDeadlineMs,
      onProgress: (done) => {
        if (Date.now() - lastLine > 10_000) {
          lastLine = Date.now();
          options.onProgress?.(`world of ${worldSize}: ${Math.floor(done)} / ${to - from} calls, ${((Date.now() - started) / 1000).toFixed(0)} s`);
        }
      },
    });
    const world = await runner.run();
    options.onProgress?.(`world of ${worldSize}: ${world.records.length / worldSize} calls in ${world.seconds.toFixed(1)} s, ${world.failures.length} failures`);
    worlds.push(world);
  }
  const order = (options.sizes === 'short' ? SHORT_SOAK_SIZES : DEFAULT_SOAK_SIZES).map((size) => size.label);
  return soakReport(plan, worlds, (Date.now() - started) / 1000, order);
}
