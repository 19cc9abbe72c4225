import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GenerativeModel } from '@ganglion/models';
import type { DurableFiles } from '@ganglion/storage';
import type { Logger } from '../logger';
import { CorruptCheckpointError, NoCheckpointError } from './checkpoint-errors';
import { CHECKPOINT_MANIFEST, stepOfCheckpointFolder } from './checkpoint-manifest';
import { verifyCheckpoint, type VerifiedCheckpoint } from './checkpoint-reader';
import { writeCheckpoint } from './checkpoint-writer';
import type { TrainerState } from './trainer-state';

/** What the Trainer knows when it asks for a checkpoint. */
export interface CheckpointRequest {
  /** Steps completed. */
  readonly step: number;
  /** Sampler position of the next step. */
  readonly epoch: number;
  readonly batchInEpoch: number;
  readonly worldSize: number;
  readonly generation: number;
}

/** Where a run's checkpoints go. The Trainer's CheckpointListener calls it on rank 0 every `checkpointEvery` steps and at the end. */
export interface CheckpointStore {
  /** Writes the checkpoint after `request.step` steps; returns its folder. */
  save(model: GenerativeModel, request: CheckpointRequest): Promise<string>;
}

/** DI token for the run's CheckpointStore (unbound: no checkpoints). */
export const CheckpointStore = Symbol('CheckpointStore');

export interface FileCheckpointStoreOptions {
  /** The run's checkpoints folder: runs/<name>/<ts>/checkpoints. */
  readonly folder: string;
  /** Checkpoints kept; older ones are deleted after each write. */
  readonly keep: number;
  /** Pipeline name, file and sha256, recorded in trainer-state.json. */
  readonly pipeline: { readonly name: string; readonly file: string; readonly hash: string };
  readonly seed: number;
  readonly globalBatchSize: number;
  readonly logger: Logger;
  /** Writes the files (default: the real filesystem; specs inject faults). */
  readonly files?: DurableFiles;
}

/** Checkpoints as folders on disk (see writeCheckpoint), the last `keep` of them kept. */
export class FileCheckpointStore implements CheckpointStore {
  constructor(private readonly options: FileCheckpointStoreOptions) {
    if (!Number.isInteger(options.keep) || options.keep < 1) {
      throw new Error(`keepCheckpoints must be a positive integer, got ${options.keep}.`);
    }
  }

  async save(model: GenerativeModel, request: CheckpointRequest): Promise<string> {
    const { folder, pipeline, seed, globalBatchSize, logger } = this.options;
    const state: TrainerState = {
      format: 'ganglion-trainer-state',
      version: 1,
      ...request,
      seed,
      globalBatchSize,
      pipeline,
      model: model.name,
      networks: Object.keys(model.networks),
      savedAt: new Date().toISOString(),
    };
    // Written, read back and verified against its manifest; only then announced, and only then may older ones go.
    const written = (await writeCheckpoint(folder, model, state, this.options.files)).folder;
    logger.info({ checkpoint: written, step: request.step, verified: true }, `checkpoint ${written}`);
    const removed = pruneCheckpoints(folder, this.options.keep);
    if (removed.length > 0) logger.info({ removed }, `removed older checkpoint${removed.length === 1 ? '' : 's'} ${removed.join(', ')}`);
    return written;
  }

}

/** Deletes all but the newest `keep` checkpoint folders under `checkpointsFolder`; returns the names removed. */
export function pruneCheckpoints(checkpointsFolder: string, keep: number): string[] {
  const all = checkpointFolders(checkpointsFolder);
  const removed = all.slice(0, Math.max(0, all.length - keep));
  for (const name of removed) fs.rmSync(path.join(checkpointsFolder, name), { recursive: true, force: true });
  return removed;
}

/** step-* folder names under `checkpointsFolder`, oldest first. */
export function checkpointFolders(checkpointsFolder: string): string[] {
  if (!fs.existsSync(checkpointsFolder)) return [];
  return fs
    .readdirSync(checkpointsFolder)
    .filter((name) => stepOfCheckpointFolder(name) !== undefined)
    .sort((a, b) => (stepOfCheckpointFolder(a) ?? 0) - (stepOfCheckpointFolder(b) ?? 0));
}

/**
 * The newest checkpoint under `checkpointsFolder` that verifies. A corrupt
 * or partial one is skipped with a warning naming it and what is wrong,
 * and the previous one is tried. Undefined when none verifies.
 */
export function latestValidCheckpoint(checkpointsFolder: string, logger: Logger): VerifiedCheckpoint | undefined {
  for (const name of checkpointFolders(checkpointsFolder).reverse()) {
    const folder = path.join(checkpointsFolder, name);
    try {
      return verifyCheckpoint(folder);
    } catch (error) {
      if (!(error instanceof CorruptCheckpointError)) throw error;
      logger.warn({ checkpoint: folder, problem: error.problem }, `${error.message} Skipping it; trying the previous checkpoint.`);
    }
  }
  return undefined;
}

/**
 * Finds what `--resume [target]` means:
 * - a checkpoint folder (holds manifest.json): that checkpoint, verified;
 * - a run folder (holds checkpoints/): its newest valid checkpoint;
 * - no target: the newest run of `pipelineName` under `outputDir` that has a valid checkpoint.
 * Returns the checkpoint and the run folder it belongs to.
 */
export function findResumeCheckpoint(
  target: string | undefined,
  outputDir: string,
  pipelineName: string,
  logger: Logger,
): { checkpoint: VerifiedCheckpoint; runFolder: string | undefined } {
  if (target !== undefined) {
    const folder = path.resolve(target);
    if (!fs.existsSync(folder)) throw new NoCheckpointError(`--resume ${target}: ${folder} does not exist. Pass a run folder (runs/<name>/<timestamp>) or one of its checkpoints/step-* folders.`);
    if (fs.existsSync(path.join(folder, CHECKPOINT_MANIFEST)) || stepOfCheckpointFolder(path.basename(folder)) !== undefined) {
      const checkpoint = verifyCheckpoint(folder);
      const parent = path.dirname(folder);
      return { checkpoint, runFolder: path.basename(parent) === 'checkpoints' ? path.dirname(parent) : undefined };
    }
    const checkpoint = latestValidCheckpoint(path.join(folder, 'checkpoints'), logger);
    if (checkpoint === undefined) throw new NoCheckpointError(`--resume ${target}: ${folder} has no valid checkpoint under checkpoints/. Pass another run folder, or train without --resume.`);
    return { checkpoint, runFolder: folder };
  }
  const runsFolder = path.resolve(outputDir, pipelineName);
  const runs = fs.existsSync(runsFolder) ? fs.readdirSync(runsFolder).sort().reverse() : [];
  for (const run of runs) {
    const checkpoint = latestValidCheckpoint(path.join(runsFolder, run, 'checkpoints'), logger);
    if (checkpoint !== undefined) return { checkpoint, runFolder: path.join(runsFolder, run) };
  }
  throw new NoCheckpointError(`--resume: no run of '${pipelineName}' under ${runsFolder} has a valid checkpoint. Pass --out of the earlier run, or a run or checkpoint folder.`);
}
