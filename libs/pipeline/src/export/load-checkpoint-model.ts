import * as fs from 'node:fs';
import * as path from 'node:path';
import { GenerativeModel, type BackendChoice, type RequestedBackend } from '@ganglion/models';
import { restoreCheckpoint, type VerifiedCheckpoint } from '../checkpoints/checkpoint-reader';
import type { Logger } from '../logger';
import { loadPipelineFile, type LoadedPipeline } from '../pipeline-file';
import { runModule } from '../run-context';
import { runPathsIn } from '../run-paths';
import { createTrainingContainer, loadRunModules, selectTrainingBackend } from '../training-container';
import { findCheckpoint } from './find-checkpoint';

export interface LoadCheckpointModelOptions {
  /** A checkpoint folder, a run folder or a run's checkpoints folder (see findCheckpoint). */
  readonly target: string;
  /**
   * The pipeline file to rebuild the model from. Default: the file the
   * checkpoint records (trainer-state.json), which must still exist.
   */
  readonly pipelineFile?: string;
  /** Compute backend, or 'auto' to pick the best available. */
  readonly backend?: RequestedBackend;
  /** Warnings (a skipped corrupt checkpoint, a changed pipeline file) go here. */
  readonly logger: Logger;
}

/** A trained model rebuilt from a checkpoint, ready to sample. The caller disposes `model`. */
export interface CheckpointModel {
  readonly model: GenerativeModel;
  readonly checkpoint: VerifiedCheckpoint;
  readonly pipeline: LoadedPipeline;
  readonly backend: BackendChoice;
}

/**
 * Rebuilds the model a checkpoint was taken from and loads its weights.
 * The model comes from the pipeline the checkpoint records, through the
 * same DI modules as `ganglion train` (the pipeline's own overrides
 * included), so any model a pipeline can train can be loaded here; the
 * weights go in through restoreCheckpoint, which refuses a checkpoint of
 * another model.
 */
export async function loadCheckpointModel(options: LoadCheckpointModelOptions): Promise<CheckpointModel> {
  const { logger } = options;
  const checkpoint = findCheckpoint(options.target, logger);
  const recorded = checkpoint.state.pipeline;
  const pipelineFile = options.pipelineFile ?? recorded.file;
  if (options.pipelineFile === undefined && !fs.existsSync(recorded.file)) {
    throw new Error(
      `Checkpoint ${checkpoint.folder} was written by pipeline '${recorded.name}' from ${recorded.file}, which does not exist here. ` +
        'Pass that pipeline file with --pipeline <file>.',
    );
  }
  const pipeline = loadPipelineFile(pipelineFile);
  const { definition } = pipeline;
  if (definition.settings.name !== recorded.name) {
    throw new Error(`Checkpoint ${checkpoint.folder} belongs to pipeline '${recorded.name}', but ${pipeline.file} defines '${definition.settings.name}'. Pass the pipeline that wrote it.`);
  }
  if (pipeline.hash !== recorded.hash) {
    logger.warn(
      { checkpoint: checkpoint.folder, pipeline: pipeline.file, was: recorded.hash.slice(0, 12), now: pipeline.hash.slice(0, 12) },
      `${pipeline.file} changed since checkpoint ${checkpoint.folder} was written; building the model from it anyway`,
    );
  }

  const container = createTrainingContainer();
  const runFolder = path.basename(path.dirname(checkpoint.folder)) === 'checkpoints' ? path.dirname(path.dirname(checkpoint.folder)) : checkpoint.folder;
  loadRunModules(container, definition, runModule({ definition, paths: runPathsIn(runFolder), logger }));
  const backend = await selectTrainingBackend(container, options.backend);
  const model = container.get<GenerativeModel>(GenerativeModel);
  try {
    await restoreCheckpoint(model, checkpoint);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, checkpoint, pipeline, backend };
}
