/**
 * A write to disk that did not happen, or not whole: names the path, what
 * Ganglion was doing, the system's code (ENOSPC, EROFS, EACCES, ...) and
 * what to do about it. Nothing was announced as written.
 */
export class StorageError extends Error {
  constructor(
    /** The file or folder that could not be written. */
    readonly path: string,
    /** The errno code, e.g. 'ENOSPC', or 'SHORT_WRITE' / 'VERIFY' for Ganglion's own checks. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }

  /** True when the filesystem is out of space or quota (ENOSPC, EDQUOT). */
  get diskFull(): boolean {
    return this.code === 'ENOSPC' || this.code === 'EDQUOT';
  }
}

/**
 * Turns an error thrown while `doing` something to `target` into a
 * StorageError with the path, the code and the remedy. A StorageError
 * passes through unchanged.
 */
export function storageErrorFrom(error: unknown, target: string, doing: string): StorageError {
  if (error instanceof StorageError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
  const detail = (error as Error).message ?? String(error);
  return new StorageError(target, code, `Could not ${doing} ${target}: ${describeCode(code, detail)}`);
}

/** What happened and what to do, by errno code. */
export function describeCode(code: string, detail: string): string {
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return (
        `the filesystem is full (${code}). Nothing was announced as written and earlier files are intact. ` +
        'Free space there, or choose another --out, then continue with --resume.'
      );
    case 'EROFS':
      return `the filesystem is read-only (${code}). Choose a writable --out.`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code}) for user id ${process.getuid?.() ?? '?'}. Choose a writable --out, or fix the folder's permissions.`;
    case 'EIO':
      return `an I/O error (${code}): the disk may be failing. Check it, then continue with --resume from another --out.`;
    default:
      return detail;
  }
}
