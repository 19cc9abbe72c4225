import type { FileSystem } from './file-system';
import { StorageError } from './storage-error';

/**
 * Writes all of `bytes` to `fd` at the file's current position: a
 * writeSync returns how many bytes it wrote, which may be fewer than
 * asked (a nearly full disk, a signal), so it loops. A write that makes
 * no progress at all is an error naming `file`.
 */
export function writeFully(fs: FileSystem, fd: number, bytes: Uint8Array, file: string): void {
  let offset = 0;
  let stalled = 0;
  while (offset < bytes.byteLength) {
    const written = fs.writeSync(fd, bytes, offset, bytes.byteLength - offset);
    if (written <= 0) {
      stalled += 1;
      if (stalled >= 3) {
        throw new StorageError(
          file,
          'SHORT_WRITE',
          `Could not write ${file}: the filesystem accepted ${offset} of ${bytes.byteLength} bytes and then nothing more. ` +
            'Check free space there, or choose another --out, then continue with --resume.',
        );
      }
      continue;
    }
    stalled = 0;
    offset += written;
  }
}
