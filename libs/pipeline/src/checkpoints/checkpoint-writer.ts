import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GenerativeModel } from '@ganglion/models';
import { CHECKPOINT_MANIFEST, checkpointFolderName, sha256, type CheckpointManifest } from './checkpoint-manifest';
import { layersModelFiles, MODEL_JSON, WEIGHTS_BIN } from './layers-model-files';
import { optimizerStateFiles } from './optimizer-state';
import type { TrainerState } from './trainer-state';

/** File names inside a checkpoint folder (networks go to networks/<name>/). */
export const OPTIMIZER_JSON = 'optimizer.json';
export const OPTIMIZER_BIN = 'optimizer.bin';
export const TRAINER_STATE_JSON = 'trainer-state.json';

/**
 * Writes one checkpoint folder, `<checkpoints>/step-000500/`:
 *
 *     networks/<network>/model.json + group1-shard1of1.bin   (tf.loadLayersModel)
 *     optimizer.json + optimizer.bin                          (every phase's optimizer)
 *     trainer-state.json                                      (step, sampler position, seed, pipeline hash)
 *     manifest.json                                           (sha256 of each file above)
 *
 * Atomically: everything goes into a hidden temporary folder beside it,
 * each file and the folder are fsynced, then the folder is renamed into
 * place (and the parent fsynced). A reader never sees half a checkpoint;
 * a crash leaves at most a `.step-*.tmp` folder, which readers ignore.
 * Returns the checkpoint's folder.
 */
export async function writeCheckpoint(checkpointsFolder: string, model: GenerativeModel, state: TrainerState): Promise<string> {
  return writeCheckpointFiles(checkpointsFolder, state.step, await checkpointFiles(model, state));
}

/**
 * Every file of a checkpoint as bytes, keyed by relative path, manifest
 * included: what rank 0 of a data-parallel job would send to the
 * coordinator for writeCheckpointFiles (the files are plain bytes).
 */
export async function checkpointFiles(model: GenerativeModel, state: TrainerState): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const [name, network] of Object.entries(model.networks)) {
    const { modelJson, weights } = await layersModelFiles(network);
    files.set(`networks/${name}/${MODEL_JSON}`, modelJson);
    files.set(`networks/${name}/${WEIGHTS_BIN}`, weights);
  }
  const optimizer = await optimizerStateFiles(model.phases);
  files.set(OPTIMIZER_JSON, optimizer.json);
  files.set(OPTIMIZER_BIN, optimizer.bin);
  files.set(TRAINER_STATE_JSON, Buffer.from(JSON.stringify(state, null, 2) + '\n'));
  const manifest: CheckpointManifest = {
    format: 'ganglion-checkpoint',
    version: 1,
    step: state.step,
    files: Object.fromEntries([...files].map(([name, bytes]) => [name, { bytes: bytes.byteLength, sha256: sha256(bytes) }])),
  };
  files.set(CHECKPOINT_MANIFEST, Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
  return files;
}

/**
 * Writes a checkpoint's files as `<checkpointsFolder>/step-NNNNNN/`,
 * atomically: a hidden temporary folder, every file and folder fsynced,
 * one rename, the parent fsynced. Returns the checkpoint's folder.
 */
export function writeCheckpointFiles(checkpointsFolder: string, step: number, files: ReadonlyMap<string, Uint8Array>): string {
  for (const relative of files.keys()) {
    if (path.isAbsolute(relative) || relative.split(/[\\/]/).some((part) => part === '..' || part === '')) {
      throw new Error(`Checkpoint file name '${relative}' is not a plain relative path; refusing to write it.`);
    }
  }
  fs.mkdirSync(checkpointsFolder, { recursive: true });
  const name = checkpointFolderName(step);
  const final = path.join(checkpointsFolder, name);
  const temporary = path.join(checkpointsFolder, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    for (const [relative, bytes] of files) writeSynced(path.join(temporary, relative), bytes);
    for (const folder of foldersOf(temporary, [...files.keys()])) fsyncFolder(folder);
    // A checkpoint of the same step (a resumed run redoing it) is replaced whole.
    if (fs.existsSync(final)) fs.rmSync(final, { recursive: true, force: true });
    fs.renameSync(temporary, final);
    fsyncFolder(checkpointsFolder);
  } catch (error) {
    fs.rmSync(temporary, { recursive: true, force: true });
    throw error;
  }
  return final;
}

function writeSynced(file: string, bytes: Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Every folder holding one of the files, deepest first, ending with the root. */
function foldersOf(root: string, relativeFiles: readonly string[]): string[] {
  const folders = new Set<string>();
  for (const relative of relativeFiles) {
    for (let folder = path.dirname(relative); folder !== '.'; folder = path.dirname(folder)) folders.add(folder);
  }
  return [...[...folders].sort((a, b) => b.length - a.length).map((folder) => path.join(root, folder)), root];
}

function fsyncFolder(folder: string): void {
  const fd = fs.openSync(folder, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
