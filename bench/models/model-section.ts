import { join } from 'node:path';
import { WASM_THREADS_ENV, type BackendName } from '@ganglion/models';
import type { StepTime } from '../harness/stopwatch';
import { runChild } from '../harness/child-process';
import { MODEL_CASES, type ModelKey } from './model-cases';
import type { ModelStepRequest, ModelStepResult } from './model-step-child';
import type { SuiteSettings } from '../harness/suite-settings';
import { summaryStats, type SummaryStats } from '../report/summary-stats';
import type { TimeBudget } from '../harness/time-budget';

const STEP_SCRIPT = join(__dirname, 'model-step-child.ts');

/** Item 1: one model on one backend, batch 64, one process. */
export interface StepTimeRow {
  readonly model: ModelKey;
  readonly label: string;
  readonly backend: BackendName;
  readonly backendDetail: string;
  readonly parameterCount: number;
  /** Wall time of a step. */
  readonly stepMs: SummaryStats;
  /** CPU time of the process during a step (steadier than wall time on a shared machine). */
  readonly cpuMs: SummaryStats;
  readonly peakRssMiB: number;
  /** Tensors left over by the timed steps (should be 0). */
  readonly tensorGrowth: number;
}

/** Item 2: a bare tfjs loop against Ganglion's 1-worker Trainer, interleaved in one process. */
export interface OverheadRow {
  readonly model: ModelKey;
  readonly label: string;
  readonly bareMs: SummaryStats;
  readonly trainerMs: SummaryStats;
  /** Per interleaved pair, on wall time: 100 * (trainer / bare - 1). */
  readonly overheadPercent: SummaryStats;
  /** 100 * (median trainer / median bare - 1), wall time. */
  readonly overheadOfMediansPercent: number;
  /** 100 * (fastest trainer / fastest bare - 1), wall time: the least disturbed pair of steps. */
  readonly overheadOfMinsPercent: number;
  /** Per interleaved pair, on CPU time of the process. */
  readonly cpuOverheadPercent: SummaryStats;
  /** Wall time of a Trainer step with a NoopModel of as many phases: the framework's own work. */
  readonly frameworkMs: SummaryStats;
  /** Mean of frameworkMs (it includes the log line written every 50 steps, amortised). */
  readonly frameworkMeanMs: number;
  /** 100 * frameworkMeanMs / median bare step: the overhead measured without the model's noise. */
  readonly frameworkPercent: number;
  /** Every timed step, for re-analysis: the i-th Trainer step ran right after the i-th bare one. */
  readonly samples: { readonly bare: readonly StepTime[]; readonly trainer: readonly StepTime[]; readonly framework: readonly StepTime[] };
}

/** A measurement the suite did not take, and why. */
export interface Skipped {
  readonly what: string;
  readonly why: string;
}

export interface ModelSectionResult {
  readonly stepTimes: StepTimeRow[];
  readonly overhead: OverheadRow[];
  readonly skipped: Skipped[];
}

/** True when tfjs-node (or tfjs-node-gpu) is installed, so the `tensorflow` backend can be tried. */
function tensorflowInstalled(): boolean {
  for (const name of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require.resolve(name);
      return true;
    } catch {
      // not installed
    }
  }
  return false;
}

/**
 * Items 1 and 2. Each (model, backend) runs in its own child process so
 * its peak RSS and its backend state are its own. On WASM the child also
 * runs the Trainer interleaved with the bare loop (item 2).
 */
export async function runModelSection(
  settings: SuiteSettings,
  budget: TimeBudget,
  progress: (line: string) => void,
): Promise<ModelSectionResult> {
  const stepTimes: StepTimeRow[] = [];
  const overhead: OverheadRow[] = [];
  const skipped: Skipped[] = [];
  const backends: BackendName[] = ['wasm'];
  if (tensorflowInstalled()) backends.push('tensorflow');
  else skipped.push({ what: 'tensorflow backend, all models', why: '@tensorflow/tfjs-node is not installed here (an optional dependency that needs libtensorflow)' });
  if (settings.cpuBackend) backends.push('cpu');
  else skipped.push({ what: 'cpu backend, all models', why: '--quick leaves the plain-JS backend out (1.5-2.5 s per VAE/RNN step)' });

  for (const backend of backends) {
    for (const spec of MODEL_CASES) {
      if (backend === 'cpu' && spec.key === 'dcgan') {
        skipped.push({
          what: 'DCGAN on cpu',
          why: 'about 21 s per step measured once here; 20+ steps would take most of the 15-minute budget (WASM: ~1 s)',
        });
        continue;
      }
      if (budget.spent()) {
        skipped.push({ what: `${spec.label} on ${backend}`, why: budget.reason() });
        continue;
      }
      const withTrainer = backend === 'wasm';
      const request: ModelStepRequest = {
        model: spec.key,
        backend,
        warmup: backend === 'wasm' ? settings.warmupSteps : 1,
        steps: backend === 'wasm' ? settings.timedSteps[spec.key] : settings.otherBackendSteps,
        withTrainer,
        batchSize: 64,
      };
      progress(`${spec.label} on ${backend}: ${request.warmup} warm-up + ${request.steps} timed steps${withTrainer ? ', bare and Trainer interleaved' : ''}`);
      try {
        const result = await runChild<ModelStepResult>(STEP_SCRIPT, {
          args: [JSON.stringify(request)],
          timeoutMs: 8 * 60_000,
          // The targets are 1-thread figures, whatever the caller's environment asks for.
          env: { [WASM_THREADS_ENV]: '1' },
        });
        stepTimes.push({
          model: spec.key,
          label: spec.label,
          backend,
          backendDetail: result.backendDetail,
          parameterCount: result.parameterCount,
          stepMs: summaryStats(result.bare.map((t) => t.wallMs)),
          cpuMs: summaryStats(result.bare.map((t) => t.cpuMs)),
          peakRssMiB: result.peakRssMiB,
          tensorGrowth: result.tensorGrowth,
        });
        if (result.trainer !== undefined && result.framework !== undefined) {
          overhead.push(overheadRow(spec.key, spec.label, result.bare, result.trainer, result.framework));
        }
      } catch (error) {
        skipped.push({ what: `${spec.label} on ${backend}`, why: `failed: ${(error as Error).message.split('\n')[0]}` });
      }
    }
  }
  return { stepTimes, overhead, skipped };
}

function overheadRow(
  model: ModelKey,
  label: string,
  bare: readonly StepTime[],
  trainer: readonly StepTime[],
  framework: readonly StepTime[],
): OverheadRow {
  const pairs = (key: keyof StepTime) => bare.map((b, i) => 100 * (trainer[i][key] / b[key] - 1));
  const bareMs = summaryStats(bare.map((t) => t.wallMs));
  const trainerMs = summaryStats(trainer.map((t) => t.wallMs));
  const frameworkMeanMs = framework.reduce((sum, t) => sum + t.wallMs, 0) / framework.length;
  return {
    model,
    label,
    bareMs,
    trainerMs,
    overheadPercent: summaryStats(pairs('wallMs')),
    overheadOfMediansPercent: 100 * (trainerMs.median / bareMs.median - 1),
    overheadOfMinsPercent: 100 * (trainerMs.min / bareMs.min - 1),
    cpuOverheadPercent: summaryStats(pairs('cpuMs')),
    frameworkMs: summaryStats(framework.map((t) => t.wallMs)),
    frameworkMeanMs,
    frameworkPercent: (100 * frameworkMeanMs) / bareMs.median,
    samples: { bare, trainer, framework },
  };
}
