import { join } from 'node:path';
import type { BackendName } from '@ganglion/models';
import { runChild } from './child-process';
import { MODEL_CASES, type ModelKey } from './model-cases';
import type { ModelStepRequest, ModelStepResult } from './model-step-child';
import type { SuiteSettings } from './suite-settings';
import { summaryStats, type SummaryStats } from './summary-stats';

const STEP_SCRIPT = join(__dirname, 'model-step-child.ts');

/** Item 1: one model on one backend, batch 64, one process. */
export interface StepTimeRow {
  readonly model: ModelKey;
  readonly label: string;
  readonly backend: BackendName;
  readonly backendDetail: string;
  readonly parameterCount: number;
  readonly stepMs: SummaryStats;
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
  /** Per interleaved pair: 100 * (trainer / bare - 1). */
  readonly overheadPercent: SummaryStats;
  /** 100 * (median trainer / median bare - 1). */
  readonly overheadOfMediansPercent: number;
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
export async function runModelSection(settings: SuiteSettings, progress: (line: string) => void): Promise<ModelSectionResult> {
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
      const withTrainer = backend === 'wasm';
      const request: ModelStepRequest = {
        model: spec.key,
        backend,
        warmup: backend === 'cpu' ? Math.min(settings.warmupSteps, 2) : settings.warmupSteps,
        steps: settings.timedSteps,
        withTrainer,
        batchSize: 64,
      };
      progress(`${spec.label} on ${backend}: ${request.warmup} warm-up + ${request.steps} timed steps${withTrainer ? ', bare and Trainer interleaved' : ''}`);
      try {
        const result = await runChild<ModelStepResult>(STEP_SCRIPT, { args: [JSON.stringify(request)], timeoutMs: 8 * 60_000 });
        stepTimes.push({
          model: spec.key,
          label: spec.label,
          backend,
          backendDetail: result.backendDetail,
          parameterCount: result.parameterCount,
          stepMs: summaryStats(result.bareMs),
          peakRssMiB: result.peakRssMiB,
          tensorGrowth: result.tensorGrowth,
        });
        if (result.trainerMs !== undefined) overhead.push(overheadRow(spec.key, spec.label, result.bareMs, result.trainerMs));
      } catch (error) {
        skipped.push({ what: `${spec.label} on ${backend}`, why: `failed: ${(error as Error).message.split('\n')[0]}` });
      }
    }
  }
  return { stepTimes, overhead, skipped };
}

function overheadRow(model: ModelKey, label: string, bareMs: readonly number[], trainerMs: readonly number[]): OverheadRow {
  const pairs = bareMs.map((bare, i) => 100 * (trainerMs[i] / bare - 1));
  const bare = summaryStats(bareMs);
  const trainer = summaryStats(trainerMs);
  return {
    model,
    label,
    bareMs: bare,
    trainerMs: trainer,
    overheadPercent: summaryStats(pairs),
    overheadOfMediansPercent: 100 * (trainer.median / bare.median - 1),
  };
}
