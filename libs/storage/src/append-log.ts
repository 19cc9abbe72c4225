import type { FileSystem } from './file-system';
import { storageErrorFrom } from './storage-error';
import { writeFully } from './write-fully';

/**
 * An append-only file of whole records (metrics.jsonl): each append is
 * written fully and fsynced before it returns. An append that fails (a
 * full disk) is cut back off the file, so the file ends with the last
 * whole record, and the failure is thrown as a StorageError naming the
 * file.
 */
export class AppendLog {
  private readonly fd: number;
  private length: number;
  private closed = false;

  constructor(
    private readonly fs: FileSystem,
    readonly file: string,
  ) {
    try {
      this.fd = fs.openSync(file, 'a');
      this.length = fs.statSync(file).size;
    } catch (error) {
      throw storageErrorFrom(error, file, 'open for appending');
    }
  }

  /** Appends `text` whole and fsyncs it. */
  append(text: string): void {
    const bytes = Buffer.from(text);
    try {
      writeFully(this.fs, this.fd, bytes, this.file);
      this.fs.fsyncSync(this.fd);
      this.length += bytes.byteLength;
    } catch (error) {
      this.cutBack();
      throw storageErrorFrom(error, this.file, 'append to');
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fs.closeSync(this.fd);
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
