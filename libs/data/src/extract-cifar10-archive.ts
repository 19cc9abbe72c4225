import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DatasetFormatError } from './dataset-format-error';
import { CIFAR10_RECORD_BYTES } from './read-cifar10';
import { readTar } from './read-tar';
import { DurableFiles } from '@ganglion/storage';

/** The batch files of the standard `cifar-10-batches-bin` folder. */
export const CIFAR10_BATCH_FILES = {
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: ['test_batch.bin'],
} as const;


/**
 * Unpacks the `.bin` batches of `cifar-10-binary.tar.gz` into
 * `<into>/cifar-10-batches-bin` (DurableFiles.writeFolder: whole, fsynced,
 * renamed into place) unless a complete copy is there already. Returns that folder.
 */
export function extractCifar10Archive(archive: string, into: string): string {
  const folder = join(into, 'cifar-10-batches-bin');
  const wanted: string[] = [...CIFAR10_BATCH_FILES.train, ...CIFAR10_BATCH_FILES.test];
  if (wanted.every((name) => isCompleteBatch(join(folder, name)))) return folder;
  const entries = readTar(gunzipSync(readFileSync(archive)), archive);
  const batches = new Map(entries.filter((e) => wanted.includes(basename(e.path))).map((e) => [basename(e.path), e.data]));
  const missing = wanted.filter((name) => !isWholeRecords(batches.get(name)?.length ?? 0));
  if (missing.length > 0) {
    throw new DatasetFormatError(
      archive,
      'incomplete CIFAR-10 archive',
      `${wanted.length} batches of whole ${CIFAR10_RECORD_BYTES}-byte records`,
      `${missing.join(', ')} missing or of another size`,
    );
  }
  new DurableFiles().writeFolder(folder, batches);
  return folder;
}

function isCompleteBatch(file: string): boolean {
  return existsSync(file) && isWholeRecords(statSync(file).size);
}

function isWholeRecords(bytes: number): boolean {
  return bytes > 0 && bytes % CIFAR10_RECORD_BYTES === 0;
}
