import type { Envelope, MessageInit, PayloadInit, StateHeader } from '@ganglion/comm';
import type { CheckpointFileSet } from '../checkpoints/checkpoint-reader';

/** Where a STATE puts training: `step` steps done, plus `phase` phases of the next one (0 at a step boundary). */
export interface StatePosition {
  readonly step: number;
  readonly phase: number;
}

/**
 * A STATE message carrying a checkpoint's files (STATE in messages.ts): the
 * JSON files as strings in the header, every other file (float32 data:
 * weights, optimizer.bin) as one f32 frame, byte for byte. The receiver
 * rebuilds the same file set with stateFiles() and checks it against the
 * manifest (verifyCheckpointFiles), exactly as a checkpoint on disk.
 */
export function stateMessage(
  files: CheckpointFileSet,
  where: { readonly generation: number; readonly rank: number } & StatePosition,
): { init: MessageInit; payload: PayloadInit } {
  const texts: Record<string, string> = {};
  const binaries: string[] = [];
  const values: Float32Array[] = [];
  for (const [relative, bytes] of files) {
    if (relative.endsWith('.json')) {
      texts[relative] = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
      continue;
    }
    if (bytes.byteLength % 4 !== 0) {
      throw new Error(`Checkpoint file ${relative} has ${bytes.byteLength} bytes, not whole float32 values; a STATE carries float32 data only.`);
    }
    binaries.push(relative);
    values.push(floatsOf(bytes));
  }
  const { generation, rank, step, phase } = where;
  return { init: { type: 'STATE', generation, step, rank, phase, texts, binaries }, payload: { values } };
}

/** The checkpoint files a decoded STATE carries (views of the received frames, no copy). */
export function stateFiles(envelope: Envelope<StateHeader>): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const [relative, text] of Object.entries(envelope.header.texts)) files.set(relative, Buffer.from(text, 'utf8'));
  for (const [index, relative] of envelope.header.binaries.entries()) {
    const floats = envelope.payload[index];
    files.set(relative, new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength));
  }
  return files;
}

/** The bytes as float32 values: a view when aligned, else a copy (typed arrays need aligned offsets). */
function floatsOf(bytes: Uint8Array): Float32Array {
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const copy = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(copy.buffer).set(bytes);
  return copy;
}
