import * as fs from 'node:fs';
import { writeFileAtomic } from '@ganglion/data';
import type { Logger } from '../logger';
import type { PipelineSettings } from '../pipeline-definition';
import type { VerifiedCheckpoint } from './checkpoint-reader';

/** Refuses a checkpoint that cannot continue this run exactly; warns when the pipeline file changed. */
export function checkResumable(checkpoint: VerifiedCheckpoint, hash: string, settings: PipelineSettings, logger: Logger): void {
  const { state, folder } = checkpoint;
  if (state.pipeline.name !== settings.name) {
    throw new Error(`Checkpoint ${folder} belongs to pipeline '${state.pipeline.name}', not '${settings.name}'. Resume with ${state.pipeline.file}.`);
  }
  if (state.seed !== settings.seed || state.globalBatchSize !== settings.batchSize) {
    throw new Error(
      `Checkpoint ${folder} was trained with seed ${state.seed} and batch size ${state.globalBatchSize}; this run has seed ${settings.seed} ` +
        `and batch size ${settings.batchSize}. Pass --seed ${state.seed} --batch-size ${state.globalBatchSize} to continue it.`,
    );
  }
  if (state.step >= settings.steps) {
    logger.warn({ checkpoint: folder, step: state.step, steps: settings.steps }, `checkpoint ${folder} is already at step ${state.step}; raise --steps above it to train further`);
  }
  if (state.pipeline.hash !== hash) {
    logger.warn({ checkpoint: folder, was: state.pipeline.hash.slice(0, 12), now: hash.slice(0, 12) }, 'the pipeline file changed since the checkpoint was written; resuming anyway');
  }
}

/**
 * Removes lines of steps >= `step` from a run's metrics.jsonl: the steps a
 * resumed run redoes (trained after the checkpoint before the run stopped).
 */
export function dropMetricsFrom(file: string, step: number): void {
  if (!fs.existsSync(file)) return;
  const kept = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0 && (JSON.parse(line) as { step: number }).step < step);
  writeFileAtomic(file, Buffer.from(kept.map((line) => line + '\n').join('')));
}
