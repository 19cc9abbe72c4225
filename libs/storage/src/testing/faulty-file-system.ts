import * as fs from 'node:fs';
import type { FileSystem } from '../file-system';

export interface FaultPlan {
  /** Each writeSync writes at most this many bytes (a short write), then returns the count. */
  readonly maxBytesPerWrite?: number;
  /** After this many bytes in all, every writeSync throws ENOSPC (a disk filling up). */
  readonly spaceBytes?: number;
  /** After this many bytes, writeSync returns 0 (no progress, no error). */
  readonly stallAfterBytes?: number;
  /** Every call that creates or changes something throws EROFS. */
  readonly readOnly?: boolean;
}

/**
 * A node:fs that misbehaves as planned, for unit specs of DurableFiles
 * and its users: short writes, a disk that fills up, a read-only mount.
 * Reads go to the real filesystem.
 */
export class FaultyFileSystem implements FileSystem {
  /** Bytes accepted by writeSync so far. */
  written = 0;

  constructor(private readonly plan: FaultPlan) {}

  readonly openSync = ((file: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode | null) => {
    if (this.plan.readOnly && flags !== undefined && flags !== 'r') throw errno('EROFS', 'open', file);
    return fs.openSync(file, flags ?? 'r', mode);
  }) as FileSystem['openSync'];

  readonly writeSync = ((fd: number, buffer: NodeJS.ArrayBufferView, offsetArg?: number | null, length?: number | null) => {
    const offset = offsetArg ?? 0;
    const asked = length ?? buffer.byteLength - offset;
    if (this.plan.spaceBytes !== undefined && this.written >= this.plan.spaceBytes) throw errno('ENOSPC', 'write');
    if (this.plan.stallAfterBytes !== undefined && this.written >= this.plan.stallAfterBytes) return 0;
    let count = Math.min(asked, this.plan.maxBytesPerWrite ?? asked);
    if (this.plan.spaceBytes !== undefined) count = Math.min(count, this.plan.spaceBytes - this.written);
    if (this.plan.stallAfterBytes !== undefined) count = Math.min(count, this.plan.stallAfterBytes - this.written);
    const written = fs.writeSync(fd, buffer, offset, count);
    this.written += written;
    return written;
  }) as FileSystem['writeSync'];

  readonly mkdirSync = ((folder: fs.PathLike, options?: fs.MakeDirectoryOptions) => {
    if (this.plan.readOnly && !fs.existsSync(folder)) throw errno('EROFS', 'mkdir', folder);
    return fs.mkdirSync(folder, options);
  }) as FileSystem['mkdirSync'];

  readonly accessSync = ((file: fs.PathLike, mode?: number) => {
    if (this.plan.readOnly && mode !== undefined && (mode & fs.constants.W_OK) !== 0) throw errno('EROFS', 'access', file);
    return fs.accessSync(file, mode);
  }) as FileSystem['accessSync'];

  readonly fsyncSync = fs.fsyncSync;
  readonly closeSync = fs.closeSync;
  readonly renameSync = fs.renameSync;
  readonly linkSync = fs.linkSync;
  readonly unlinkSync = fs.unlinkSync;
  readonly rmSync = fs.rmSync;
  readonly existsSync = fs.existsSync;
  readonly readFileSync = fs.readFileSync;
  readonly readdirSync = fs.readdirSync;
  readonly statSync = fs.statSync;
  readonly ftruncateSync = fs.ftruncateSync;
}

function errno(code: string, syscall: string, file?: fs.PathLike): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: injected fault, ${syscall}${file === undefined ? '' : ` '${String(file)}'`}`);
  error.code = code;
  error.syscall = syscall;
  return error;
}
