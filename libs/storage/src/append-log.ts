import type { FileSystem } from './file-system';
import { storageErrorFrom } from './storage-error';
import { writeFully } from './write-fully';

export interface AppendLogOptions {
  /**
   * Group commit: fsync at most once per this many milliseconds (and at
   * close), in the manner of Lightning's `flush_logs_every_n_steps` and
   * TensorBoard's `flush_secs`. Every append still reaches the kernel
   * before it returns, so a crashed process loses nothing and a full disk
   * fails the append that met it; only a machine that loses power can lose
   * the last interval's records. 0 (the default) fsyncs every append.
   */
  readonly syncIntervalMs?: number;
  /** Monotonic milliseconds (injected for specs). */
  readonly now?: () => number;
}

/**
 * An append-only file of whole records (metrics.jsonl): each append is
 * written fully before it returns and fsynced as `syncIntervalMs` says.
 * An append that fails (a full disk) is cut back off the file, so the
 * file ends with the last whole record, and the failure is thrown as a
 * StorageError naming the file.
 */
export class AppendLog {
  private readonly fd: number;
  private readonly syncIntervalMs: number;
  private readonly now: () => number;
  private length: number;
  private lastSyncMs: number;
  private unsynced = false;
  private closed = false;

  constructor(
    private readonly fs: FileSystem,
    readonly file: string,
    options: AppendLogOptions = {},
  ) {
    this.syncIntervalMs = options.syncIntervalMs ?? 0;
    this.now = options.now ?? (() => performance.now());
    this.lastSyncMs = this.now();
    try {
      this.fd = fs.openSync(file, 'a');
      this.length = fs.statSync(file).size;
    } catch (error) {
      throw storageErrorFrom(error, file, 'open for appending');
    }
  }

  /** Appends `text` whole, and fsyncs it when the sync interval has passed. */
  append(text: string): void {
    const bytes = Buffer.from(text);
    try {
      writeFully(this.fs, this.fd, bytes, this.file);
      this.length += bytes.byteLength;
      this.unsynced = true;
    } catch (error) {
      this.cutBack();
      throw storageErrorFrom(error, this.file, 'append to');
    }
    if (this.now() - this.lastSyncMs >= this.syncIntervalMs) this.sync();
  }

  /** Fsyncs what was appended since the last sync (a no-op when nothing was). */
  sync(): void {
    if (!this.unsynced) return;
    try {
      this.fs.fsyncSync(this.fd);
    } catch (error) {
      throw storageErrorFrom(error, this.file, 'sync');
    }
    this.unsynced = false;
    this.lastSyncMs = this.now();
  }

  /** Fsyncs what is left and closes the file. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.sync();
    } finally {
      this.fs.closeSync(this.fd);
    }
  }

  /** Best effort: removes the part of a failed append that did reach the file. */
  private cutBack(): void {
    try {
      this.fs.ftruncateSync(this.fd, this.length);
    } catch {
      // The reader cuts a torn tail too (DurableFiles.cutTornTail).
    }
  }
}
