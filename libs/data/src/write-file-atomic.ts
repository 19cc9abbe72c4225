import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to a temporary file beside `file`, then renames it over
 * `file`, so a reader sees the old file or the whole new one, never half.
 * Creates the folder when missing.
 */
export function writeFileAtomic(file: string, data: Uint8Array): void {
  const folder = dirname(file);
  mkdirSync(folder, { recursive: true });
  const temporary = temporaryPathFor(file);
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** A unique temporary name in the folder of `file`, e.g. `.grid.png.1234.9f3a.tmp`. */
export function temporaryPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}
