import * as fs from 'node:fs';
import { DurableFiles } from '@ganglion/storage';
import type { Logger } from '../logger';
import type { PipelineSettings } from '../pipeline-definition';
import type { VerifiedCheckpoint } from './checkpoint-reader';

/** `--resume` with `--steps` at or below the checkpoint's step: refused before anything is written. */
export class NothingToResumeError extends Error {
  override readonly name = 'NothingToResumeError';
}

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
    throw new NothingToResumeError(
      `Checkpoint ${folder} is already at step ${state.step}, and this run is to end at step ${settings.steps}: there is nothing to train and nothing was changed. ` +
        `Pass --steps above ${state.step} to train further, or draw from it with \`ganglion sample ${folder}\`.`,
    );
  }
  if (state.pipeline.hash !== hash) {
    logger.warn({ checkpoint: folder, was: state.pipeline.hash.slice(0, 12), now: hash.slice(0, 12) }, 'the pipeline file changed since the checkpoint was written; resuming anyway');
  }
}

/**
 * Removes lines of steps >= `step` from a run's metrics.jsonl: the steps a
 * resumed run redoes (trained after the checkpoint before the run stopped).
 * A partial last line (the run stopped mid-write, e.g. on a full disk) is
 * cut off first with a warning naming the file; any other line that is
 * not JSON is an error naming the file and the line.
 */
export function dropMetricsFrom(file: string, step: number, logger: Logger, files: DurableFiles = new DurableFiles()): void {
  if (!fs.existsSync(file)) return;
  const cut = files.cutTornTail(file);
  if (cut > 0) {
    logger.warn({ file, bytes: cut }, `${file} ended with a partial line (${cut} bytes, cut off): the run stopped while writing it; resuming from the last complete line`);
  }
  const kept = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => line.trim().length > 0)
    .filter(({ line, number }) => stepOfMetricsLine(file, line, number) < step)
    .map(({ line }) => line + '\n');
  files.writeFile(file, Buffer.from(kept.join('')));
}

function stepOfMetricsLine(file: string, line: string, number: number): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw new Error(`${file} line ${number} is not valid JSON (${(error as Error).message}). Delete that line (or the file) and resume again.`);
  }
  const step = (parsed as { step?: unknown } | null)?.step;
  if (typeof step !== 'number') throw new Error(`${file} line ${number} has no numeric "step". Delete that line (or the file) and resume again.`);
  return step;
}
