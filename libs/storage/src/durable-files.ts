import * as path from 'node:path';
import { AppendLog, type AppendLogOptions } from './append-log';
import { type FileSystem, nodeFileSystem } from './file-system';
import { StorageError, storageErrorFrom } from './storage-error';
import { temporaryPathFor } from './temporary-path';
import { writeFully } from './write-fully';

export interface DurableWriteOptions {
  /** Permission bits of a new file (default 0o666 before the umask); 0o600 for secret keys. */
  readonly mode?: number;
  /** Refuse to replace an existing file (EEXIST) instead of renaming over it. */
  readonly exclusive?: boolean;
}

export interface DurableFolderOptions {
  /**
   * Called with the temporary folder once every file is written and
   * fsynced, before it gets its name: read it back and throw if it is not
   * what was meant (a checkpoint checks its manifest here).
   */
  readonly verify?: (temporaryFolder: string) => void;
}

/**
 * The one way Ganglion writes a file it keeps (checkpoints, final weights,
 * metrics, sample grids, keys): whole or not at all. Every write goes to a
 * hidden temporary name, loops over short writes, is fsynced, then renamed
 * into place and its folder fsynced, so a reader sees the old file or the
 * whole new one. Any failure (ENOSPC, EROFS, EACCES, a short write that
 * stops) removes the temporary and throws a StorageError that names the
 * path and says what to do.
 */
export class DurableFiles {
  constructor(private readonly fs: FileSystem = nodeFileSystem()) {}

  /** Writes `bytes` to `file` atomically (creating its folder). */
  writeFile(file: string, bytes: Uint8Array, options: DurableWriteOptions = {}): void {
    const folder = path.dirname(file);
    const temporary = temporaryPathFor(file);
    try {
      this.makeFolder(folder);
      this.writeSynced(temporary, bytes, options.mode);
      if (options.exclusive) {
        // link() fails with EEXIST where rename() would replace silently.
        this.fs.linkSync(temporary, file);
        this.fs.unlinkSync(temporary);
      } else {
        this.fs.renameSync(temporary, file);
      }
      this.syncFolder(folder);
    } catch (error) {
      this.fs.rmSync(temporary, { force: true });
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new StorageError(file, 'EEXIST', `${file} already exists; refusing to overwrite it. Move it away or choose another name.`);
      }
      throw storageErrorFrom(error, file, 'write');
    }
  }

  /**
   * Writes a folder of files (relative paths, '/' separated) as `folder`,
   * atomically: into a hidden temporary folder beside it, every file and
   * folder fsynced, `verify` run on it, then one rename (an existing
   * `folder` is replaced whole) and the parent fsynced.
   */
  writeFolder(folder: string, files: ReadonlyMap<string, Uint8Array>, options: DurableFolderOptions = {}): void {
    for (const relative of files.keys()) {
      if (path.isAbsolute(relative) || relative.split(/[\\/]/).some((part) => part === '..' || part === '' || part === '.')) {
        throw new Error(`File name '${relative}' for ${folder} is not a plain relative path; refusing to write it.`);
      }
    }
    const parent = path.dirname(folder);
    const temporary = temporaryPathFor(folder);
    let replaced: string | undefined;
    try {
      this.makeFolder(parent);
      this.fs.mkdirSync(temporary);
      for (const [relative, bytes] of files) {
        const file = path.join(temporary, relative);
        this.fs.mkdirSync(path.dirname(file), { recursive: true });
        this.writeSynced(file, bytes);
      }
      for (const sub of foldersOf(temporary, [...files.keys()])) this.syncFolder(sub);
      options.verify?.(temporary);
      if (this.fs.existsSync(folder)) {
        replaced = temporaryPathFor(folder, 'old');
        this.fs.renameSync(folder, replaced);
      }
      this.fs.renameSync(temporary, folder);
      this.syncFolder(parent);
    } catch (error) {
      this.fs.rmSync(temporary, { recursive: true, force: true });
      if (replaced !== undefined && !this.fs.existsSync(folder)) this.fs.renameSync(replaced, folder);
      throw storageErrorFrom(error, folder, 'write');
    }
    if (replaced !== undefined) this.fs.rmSync(replaced, { recursive: true, force: true });
  }

  /** Opens `file` for appending whole, fsynced records (creating its folder); `options` sets the group commit. */
  openAppendLog(file: string, options: AppendLogOptions = {}): AppendLog {
    try {
      this.makeFolder(path.dirname(file));
    } catch (error) {
      throw storageErrorFrom(error, path.dirname(file), 'create the folder');
    }
    return new AppendLog(this.fs, file, options);
  }

  /**
   * Creates a new, empty folder at `base`, or at `base-2`, `base-3`, ...
   * when that name is taken: each attempt is one mkdir that fails if the
   * folder exists, so two processes never get the same one. Returns the
   * folder made.
   */
  createUniqueFolder(base: string, attempts = 1000): string {
    try {
      this.makeFolder(path.dirname(base));
    } catch (error) {
      throw storageErrorFrom(error, path.dirname(base), 'create the folder');
    }
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const candidate = attempt === 1 ? base : `${base}-${attempt}`;
      try {
        this.fs.mkdirSync(candidate);
        return candidate;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw storageErrorFrom(error, candidate, 'create the folder');
      }
    }
    throw new StorageError(base, 'EEXIST', `Could not create a new folder at ${base}: ${base} and ${attempts - 1} suffixed names are all taken. Clean up old runs there, or choose another --out.`);
  }

  /**
   * Cuts a partial last record (no final newline: the writer stopped
   * mid-line) off an append-only file. Returns how many bytes were cut
   * (0 when the file is missing, empty or ends with a newline).
   */
  cutTornTail(file: string): number {
    if (!this.fs.existsSync(file)) return 0;
    const bytes = this.fs.readFileSync(file);
    if (bytes.byteLength === 0 || bytes[bytes.byteLength - 1] === 0x0a) return 0;
    const keep = bytes.lastIndexOf(0x0a) + 1;
    let fd: number | undefined;
    try {
      fd = this.fs.openSync(file, 'r+');
      this.fs.ftruncateSync(fd, keep);
      this.fs.fsyncSync(fd);
    } catch (error) {
      throw storageErrorFrom(error, file, 'cut the partial last line of');
    } finally {
      if (fd !== undefined) this.fs.closeSync(fd);
    }
    return bytes.byteLength - keep;
  }

  /**
   * Makes sure `folder` exists and this process may create files in it;
   * throws a StorageError that says why not (a read-only filesystem, no
   * permission) instead of the ENOENT a recursive mkdir can report.
   */
  ensureWritableFolder(folder: string): void {
    const target = path.resolve(folder);
    let existing = target;
    while (!this.fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
    try {
      if (!this.fs.statSync(existing).isDirectory()) {
        throw new StorageError(existing, 'ENOTDIR', `Could not use ${target}: ${existing} is a file, not a folder. Choose another --out.`);
      }
      this.fs.accessSync(existing, 2 /* W_OK */);
      this.makeFolder(target);
      this.fs.accessSync(target, 2 /* W_OK */);
    } catch (error) {
      throw storageErrorFrom(error, target, 'write to');
    }
  }

  private makeFolder(folder: string): void {
    this.fs.mkdirSync(folder, { recursive: true });
  }

  private writeSynced(file: string, bytes: Uint8Array, mode?: number): void {
    const fd = this.fs.openSync(file, 'wx', mode ?? 0o666);
    try {
      writeFully(this.fs, fd, bytes, file);
      this.fs.fsyncSync(fd);
    } finally {
      this.fs.closeSync(fd);
    }
  }

  private syncFolder(folder: string): void {
    const fd = this.fs.openSync(folder, 'r');
    try {
      this.fs.fsyncSync(fd);
    } finally {
      this.fs.closeSync(fd);
    }
  }
}

/** Every folder holding one of the files, deepest first, ending with the root. */
function foldersOf(root: string, relativeFiles: readonly string[]): string[] {
  const folders = new Set<string>();
  for (const relative of relativeFiles) {
    for (let folder = path.dirname(relative); folder !== '.'; folder = path.dirname(folder)) folders.add(folder);
  }
  return [...[...folders].sort((a, b) => b.length - a.length).map((folder) => path.join(root, folder)), root];
}
