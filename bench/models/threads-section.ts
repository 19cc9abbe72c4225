import { join } from 'node:path';
import { WASM_THREADS_ENV } from '@ganglion/models';
import type { StepTime } from '../harness/stopwatch';
import { runChild } from '../harness/child-process';
import { modelCase, type ModelKey } from './model-cases';
import type { Skipped } from './model-section';
import type { ModelStepRequest, ModelStepResult } from './model-step-child';
import type { SuiteSettings } from '../harness/suite-settings';
import { summaryStats, type SummaryStats } from '../report/summary-stats';
import type { TimeBudget } from '../harness/time-budget';

const STEP_SCRIPT = join(__dirname, 'model-step-child.ts');
/** The thread counts compared; the targets are 1-thread figures. */
const THREAD_COUNTS = [1, 2] as const;
const MODELS: readonly ModelKey[] = ['conv-vae', 'dcgan'];

/** One model at one WASM thread count: bare steps of one process, batch 64, pooled over the rounds. */
export interface ThreadsRow {
  readonly model: ModelKey;
  readonly label: string;
  /** Threads XNNPACK computed with, as the child's backend reported. */
  readonly threads: number;
  readonly backendDetail: string;
  readonly stepMs: SummaryStats;
  /** CPU time of the whole process (all its threads) per step. */
  readonly cpuMs: SummaryStats;
  /** Median 1-thread step / median step at this count (1 for the 1-thread row). */
  readonly speedup: number;
}

export interface ThreadsSectionResult {
  readonly rows: ThreadsRow[];
  readonly skipped: Skipped[];
}

/**
 * WASM multi-threading (`--threads`), opt-in with `--only threads`: ConvVAE
 * and DCGAN bare training steps in one process with 1 and with 2 XNNPACK
 * threads. Child processes alternate A B B A ... (one per round and count),
 * so both counts see the same drift in machine load; step times of each
 * count are pooled over the rounds.
 */
export async function runThreadsSection(
  settings: SuiteSettings,
  budget: TimeBudget,
  progress: (line: string) => void,
): Promise<ThreadsSectionResult> {
  const rows: ThreadsRow[] = [];
  const skipped: Skipped[] = [];
  const rounds = settings.mode === 'quick' ? 2 : 4;
  for (const key of MODELS) {
    const spec = modelCase(key);
    const steps = Math.max(3, Math.round(settings.timedSteps[key] / rounds));
    const times = new Map<number, StepTime[]>(THREAD_COUNTS.map((n) => [n, []]));
    const details = new Map<number, string>();
    const reported = new Map<number, number | undefined>();
    try {
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? THREAD_COUNTS : [...THREAD_COUNTS].reverse();
        for (const threads of order) {
          if (budget.spent()) throw new Error(budget.reason());
          progress(`${spec.label}, ${threads} WASM thread${threads === 1 ? '' : 's'}, round ${round + 1}/${rounds}: ${settings.warmupSteps} warm-up + ${steps} timed steps`);
          const request: ModelStepRequest = { model: key, backend: 'wasm', warmup: settings.warmupSteps, steps, withTrainer: false, batchSize: 64 };
          const result = await runChild<ModelStepResult>(STEP_SCRIPT, {
            args: [JSON.stringify(request)],
            timeoutMs: 8 * 60_000,
            env: { [WASM_THREADS_ENV]: String(threads) },
          });
          times.get(threads)!.push(...result.bare);
          details.set(threads, result.backendDetail);
          reported.set(threads, result.threads);
        }
      }
    } catch (error) {
      skipped.push({ what: `${spec.label}, WASM threads 1 vs 2`, why: (error as Error).message.split('\n')[0] });
      continue;
    }
    const oneThread = summaryStats(times.get(1)!.map((t) => t.wallMs)).median;
    for (const threads of THREAD_COUNTS) {
      const stepMs = summaryStats(times.get(threads)!.map((t) => t.wallMs));
      rows.push({
        model: key,
        label: spec.label,
        threads: reported.get(threads) ?? threads,
        backendDetail: details.get(threads) ?? '',
        stepMs,
        cpuMs: summaryStats(times.get(threads)!.map((t) => t.cpuMs)),
        speedup: oneThread / stepMs.median,
      });
    }
  }
  return { rows, skipped };
}
