import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/**
 * A unique hidden name beside `target`, e.g. `.grid.png.1234.9f3a.tmp`:
 * readers that list a folder skip dot-names, so a crash leaves nothing
 * that looks like a finished file.
 */
export function temporaryPathFor(target: string, suffix = 'tmp'): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.${suffix}`);
}
