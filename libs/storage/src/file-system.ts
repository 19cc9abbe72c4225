import * as fs from 'node:fs';

/**
 * The synchronous filesystem calls DurableFiles makes: node:fs itself in
 * production, a fault-injecting wrapper in unit specs (short writes,
 * ENOSPC after N bytes, EROFS).
 */
export type FileSystem = Pick<
  typeof fs,
  | 'openSync'
  | 'writeSync'
  | 'fsyncSync'
  | 'closeSync'
  | 'renameSync'
  | 'linkSync'
  | 'unlinkSync'
  | 'mkdirSync'
  | 'rmSync'
  | 'existsSync'
  | 'readFileSync'
  | 'readdirSync'
  | 'statSync'
  | 'ftruncateSync'
  | 'accessSync'
>;

/** The real filesystem. */
export function nodeFileSystem(): FileSystem {
  return fs;
}
