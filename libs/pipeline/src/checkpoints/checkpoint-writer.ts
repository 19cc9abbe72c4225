import * as path from 'node:path';
import type { GenerativeModel } from '@ganglion/models';
import { DurableFiles } from '@ganglion/storage';
import { CorruptCheckpointError } from './checkpoint-errors';
import {
  CHECKPOINT_MANIFEST,
  checkpointFolderName,
  OPTIMIZER_BIN,
  OPTIMIZER_JSON,
  sha256,
  TRAINER_STATE_JSON,
  type CheckpointManifest,
} from './checkpoint-manifest';
import { verifyCheckpoint, type VerifiedCheckpoint } from './checkpoint-reader';
import { layersModelFiles, MODEL_JSON, WEIGHTS_BIN } from './layers-model-files';
import { optimizerStateFiles } from './optimizer-state';
import type { TrainerState } from './trainer-state';

/**
 * Writes one checkpoint folder, `<checkpoints>/step-000500/`:
 *
 *     networks/<network>/model.json + group1-shard1of1.bin   (tf.loadLayersModel)
 *     optimizer.json + optimizer.bin                          (every phase's optimizer)
 *     trainer-state.json                                      (step, sampler position, seed, pipeline hash)
 *     manifest.json                                           (sha256 of each file above)
 *
 * Atomically and verified (writeCheckpointFiles): a reader never sees
 * half a checkpoint; a crash leaves at most a `.step-*.tmp` folder, which
 * readers ignore. Returns the checkpoint, verified.
 */
export async function writeCheckpoint(
  checkpointsFolder: string,
  model: GenerativeModel,
  state: TrainerState,
  durable: DurableFiles = new DurableFiles(),
): Promise<VerifiedCheckpoint> {
  return writeCheckpointFiles(checkpointsFolder, state.step, await checkpointFiles(model, state), durable);
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
 * Writes a checkpoint's files as `<checkpointsFolder>/step-NNNNNN/`
 * through DurableFiles.writeFolder: a hidden temporary folder, every file
 * written whole and fsynced, then read back and verified against its
 * manifest (verifyCheckpoint) before the one rename that names it. A full
 * disk or a file that reads back wrong throws (StorageError /
 * CorruptCheckpointError) and leaves no `step-*` folder and every older
 * checkpoint as it was. Returns the checkpoint, verified.
 */
export function writeCheckpointFiles(
  checkpointsFolder: string,
  step: number,
  files: ReadonlyMap<string, Uint8Array>,
  durable: DurableFiles = new DurableFiles(),
): VerifiedCheckpoint {
  const final = path.join(checkpointsFolder, checkpointFolderName(step));
  let verified: VerifiedCheckpoint | undefined;
  durable.writeFolder(final, files, {
    verify: (temporary) => {
      verified = verifyCheckpoint(temporary);
      if (verified.state.step !== step) throw new CorruptCheckpointError(temporary, `it holds step ${verified.state.step}, not ${step}`);
    },
  });
  return { ...(verified as VerifiedCheckpoint), folder: final };
}
