import { readFileSync } from 'node:fs';
import { applyLimit } from './apply-limit';
import { DatasetFormatError } from './dataset-format-error';
import type { ImageSet } from './image-set';

/** Side of a CIFAR-10 image. */
const SIDE = 32;
const PLANE = SIDE * SIDE;
/** One record: a label byte, then 1024 red, 1024 green, 1024 blue bytes. */
export const CIFAR10_RECORD_BYTES = 1 + 3 * PLANE;

export interface Cifar10ReadOptions {
  /** Keep only the first `limit` images across the files, in order. */
  limit?: number;
  /** Name of the set in logs; defaults to `cifar-10`. */
  name?: string;
}

/**
 * Reads CIFAR-10 binary batches (`data_batch_1.bin` ... `test_batch.bin`):
 * records of 1 label byte and 3072 pixel bytes stored as planes (CHW), which
 * it turns into 32x32x3 HWC images. A file whose size is not a whole number
 * of records, or a label outside 0..9, is a DatasetFormatError.
 */
export function readCifar10(files: readonly string[], options: Cifar10ReadOptions = {}): ImageSet {
  if (files.length === 0) throw new Error('readCifar10 needs at least one batch file.');
  const batches: Buffer[] = [];
  let total = 0;
  for (const file of files) {
    if (options.limit !== undefined && total >= options.limit) break;
    const data = readFileSync(file);
    if (data.length === 0 || data.length % CIFAR10_RECORD_BYTES !== 0) {
      const whole = Math.floor(data.length / CIFAR10_RECORD_BYTES);
      throw new DatasetFormatError(
        file,
        'not a whole number of CIFAR-10 records',
        `a positive multiple of ${CIFAR10_RECORD_BYTES} bytes (10000 records = ${10000 * CIFAR10_RECORD_BYTES})`,
        `${data.length} bytes (${whole} records and ${data.length - whole * CIFAR10_RECORD_BYTES} bytes over)`,
        'The file is truncated or is not a CIFAR-10 binary batch (the Python pickles are not supported).',
      );
    }
    batches.push(data);
    total += data.length / CIFAR10_RECORD_BYTES;
  }
  const count = applyLimit(total, options.limit);
  const pixels = new Uint8Array(count * PLANE * 3);
  const labels = new Uint8Array(count);
  let image = 0;
  for (let b = 0; b < batches.length && image < count; b++) {
    const data = batches[b];
    for (let offset = 0; offset < data.length && image < count; offset += CIFAR10_RECORD_BYTES, image++) {
      const label = data[offset];
      if (label > 9) {
        throw new DatasetFormatError(
          files[b],
          `label of record ${offset / CIFAR10_RECORD_BYTES} out of range`,
          'a label byte in 0..9',
          `${label}`,
          'The file is not a CIFAR-10 binary batch (CIFAR-100 records have two label bytes).',
        );
      }
      labels[image] = label;
      planarToInterleaved(data, offset + 1, pixels, image * PLANE * 3);
    }
  }
  return { name: options.name ?? 'cifar-10', count, height: SIDE, width: SIDE, channels: 3, pixels, labels };
}

function planarToInterleaved(source: Uint8Array, from: number, target: Uint8Array, to: number): void {
  for (let p = 0; p < PLANE; p++) {
    target[to + 3 * p] = source[from + p];
    target[to + 3 * p + 1] = source[from + PLANE + p];
    target[to + 3 * p + 2] = source[from + 2 * PLANE + p];
  }
}
