import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { GenerativeModel } from '@ganglion/models';
import { CorruptCheckpointError } from './checkpoint-errors';
import { CHECKPOINT_MANIFEST, OPTIMIZER_BIN, OPTIMIZER_JSON, sha256, TRAINER_STATE_JSON, type CheckpointManifest } from './checkpoint-manifest';
import { MODEL_JSON, WEIGHTS_BIN } from './layers-model-files';
import { restoreOptimizerState, type OptimizerStateFile } from './optimizer-state';
import type { TrainerState } from './trainer-state';

/** A checkpoint's files as bytes, keyed by relative path ('/' separated), manifest.json included. */
export type CheckpointFileSet = ReadonlyMap<string, Uint8Array>;

/** A checkpoint whose files all match its manifest. */
export interface VerifiedCheckpoint {
  /** Its folder, or where it came from (e.g. `STATE from rank 0`) when it never was on disk. */
  readonly folder: string;
  readonly manifest: CheckpointManifest;
  readonly state: TrainerState;
  /** Every file the manifest lists, and the manifest itself, as read and checked. */
  readonly files: CheckpointFileSet;
}

/**
 * Reads a checkpoint's manifest and checks every file it lists: present,
 * of the listed size, with the listed sha256. Throws CorruptCheckpointError
 * naming the first bad file.
 */
export function verifyCheckpoint(folder: string): VerifiedCheckpoint {
  const manifestFile = path.join(folder, CHECKPOINT_MANIFEST);
  if (!fs.existsSync(manifestFile)) throw new CorruptCheckpointError(folder, `${CHECKPOINT_MANIFEST} is missing`);
  const files = new Map<string, Uint8Array>([[CHECKPOINT_MANIFEST, fs.readFileSync(manifestFile)]]);
  const manifest = parseManifest(folder, files.get(CHECKPOINT_MANIFEST) as Uint8Array);
  for (const relative of Object.keys(manifest.files)) {
    const file = path.join(folder, relative);
    if (fs.existsSync(file)) files.set(relative, fs.readFileSync(file));
  }
  return verifyCheckpointFiles(folder, files);
}

/**
 * The same checks as verifyCheckpoint on a checkpoint held in memory (a
 * STATE message): the manifest, then every file it lists. `where` names it
 * in errors.
 */
export function verifyCheckpointFiles(where: string, files: CheckpointFileSet): VerifiedCheckpoint {
  const manifestBytes = files.get(CHECKPOINT_MANIFEST);
  if (manifestBytes === undefined) throw new CorruptCheckpointError(where, `${CHECKPOINT_MANIFEST} is missing`);
  const manifest = parseManifest(where, manifestBytes);
  for (const required of [TRAINER_STATE_JSON, OPTIMIZER_JSON, OPTIMIZER_BIN]) {
    if (manifest.files[required] === undefined) throw new CorruptCheckpointError(where, `the manifest does not list ${required}`);
  }
  for (const [relative, expected] of Object.entries(manifest.files)) {
    const bytes = files.get(relative);
    if (bytes === undefined) throw new CorruptCheckpointError(where, `${relative} is missing`);
    if (bytes.byteLength !== expected.bytes) {
      throw new CorruptCheckpointError(where, `${relative} has ${bytes.byteLength} bytes, the manifest lists ${expected.bytes}`);
    }
    if (sha256(bytes) !== expected.sha256) throw new CorruptCheckpointError(where, `${relative} does not match its sha256 in the manifest`);
  }
  const state = JSON.parse(Buffer.from(files.get(TRAINER_STATE_JSON) as Uint8Array).toString('utf8')) as TrainerState;
  if (state.step !== manifest.step) {
    throw new CorruptCheckpointError(where, `${TRAINER_STATE_JSON} says step ${state.step}, the manifest ${manifest.step}`);
  }
  return { folder: where, manifest, state, files };
}

function parseManifest(where: string, bytes: Uint8Array): CheckpointManifest {
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(Buffer.from(bytes).toString('utf8')) as CheckpointManifest;
  } catch (error) {
    throw new CorruptCheckpointError(where, `${CHECKPOINT_MANIFEST} is not valid JSON (${(error as Error).message})`);
  }
  if (manifest === null || manifest.format !== 'ganglion-checkpoint' || manifest.version !== 1 || typeof manifest.files !== 'object' || manifest.files === null) {
    throw new CorruptCheckpointError(where, `${CHECKPOINT_MANIFEST} is not a Ganglion checkpoint manifest (version 1)`);
  }
  return manifest;
}

/**
 * Loads a verified checkpoint into a freshly built model: every network's
 * weights (trainable and not, in the network's own order) and every
 * phase's optimizer state. The model must be the one the checkpoint was
 * taken from (same class and options).
 */
export async function restoreCheckpoint(model: GenerativeModel, checkpoint: VerifiedCheckpoint): Promise<void> {
  const { folder, state, files } = checkpoint;
  const names = Object.keys(model.networks);
  if (state.model !== model.name || names.join(',') !== state.networks.join(',')) {
    throw new Error(
      `Checkpoint ${folder} holds a ${state.model} with networks ${state.networks.join(', ')}, ` +
        `but this pipeline builds a ${model.name} with ${names.join(', ')}. Resume with the pipeline that wrote it.`,
    );
  }
  const file = (relative: string): Buffer => {
    const bytes = files.get(relative);
    if (bytes === undefined) throw new CorruptCheckpointError(folder, `${relative} is missing`);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
  for (const [name, network] of Object.entries(model.networks)) {
    const where = `${folder}/networks/${name}`;
    const tensors = readNetworkWeights(where, file(`networks/${name}/${MODEL_JSON}`), file(`networks/${name}/${WEIGHTS_BIN}`));
    try {
      if (tensors.length !== network.weights.length) {
        throw new Error(`Checkpoint ${folder}: network '${name}' has ${tensors.length} weights saved, the model ${network.weights.length}; the model options differ from the run that wrote it.`);
      }
      network.setWeights(tensors);
    } finally {
      for (const tensor of tensors) tensor.dispose();
    }
  }
  const optimizer = JSON.parse(file(OPTIMIZER_JSON).toString('utf8')) as OptimizerStateFile;
  await restoreOptimizerState(model.phases, optimizer, file(OPTIMIZER_BIN));
}

/** A saved network's weights as tensors, in model.json's manifest order (the network's `weights` order). */
function readNetworkWeights(where: string, modelJson: Buffer, bin: Buffer): tf.Tensor[] {
  const json = JSON.parse(modelJson.toString('utf8')) as tf.io.ModelJSON;
  const specs = json.weightsManifest.flatMap((group) => group.weights);
  let offset = 0;
  return specs.map((spec) => {
    if (spec.dtype !== 'float32' || spec.quantization !== undefined) {
      throw new Error(`${where}: weight '${spec.name}' is ${spec.dtype}${spec.quantization ? ' quantized' : ''}; checkpoints hold float32 only.`);
    }
    const length = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(length);
    new Uint8Array(values.buffer).set(bin.subarray(offset, offset + length * 4));
    offset += length * 4;
    return tf.tensor(values, spec.shape, 'float32');
  });
}
