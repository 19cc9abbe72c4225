import { createHash } from 'node:crypto';

/** manifest.json of a checkpoint folder: every other file with its size and sha256. */
export interface CheckpointManifest {
  readonly format: 'ganglion-checkpoint';
  readonly version: 1;
  /** Steps completed when it was taken. */
  readonly step: number;
  /** Relative path (with '/') → size and sha256 (hex) of the file's bytes. */
  readonly files: Readonly<Record<string, { readonly bytes: number; readonly sha256: string }>>;
}

/** File name of the manifest inside a checkpoint folder; written last. */
export const CHECKPOINT_MANIFEST = 'manifest.json';

/** File names inside a checkpoint folder (networks go to networks/<name>/). */
export const OPTIMIZER_JSON = 'optimizer.json';
export const OPTIMIZER_BIN = 'optimizer.bin';
export const TRAINER_STATE_JSON = 'trainer-state.json';

/** Folder name of the checkpoint after `step` steps: step-000500. */
export function checkpointFolderName(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}

/** The step of a checkpoint folder name, or undefined for any other name. */
export function stepOfCheckpointFolder(name: string): number | undefined {
  const match = /^step-(\d+)$/.exec(name);
  return match === null ? undefined : Number(match[1]);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
