import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DatasetFormatError } from './dataset-format-error';

/** True when `bytes` starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Reads a file and gunzips it when it starts with the gzip magic number,
 * whatever its name. A damaged or truncated gzip stream is a
 * DatasetFormatError naming the file.
 */
export function readMaybeGzipped(file: string): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error(`${file}: no such file. Check the dataset path, or use the bundled or downloaded data (see docs/data.md).`);
    }
    throw error;
  }
  if (!isGzip(raw)) return raw;
  try {
    return gunzipSync(raw);
  } catch (error) {
    throw new DatasetFormatError(
      file,
      'damaged gzip stream',
      'a complete gzip file',
      `${raw.length} bytes that fail to decompress (${(error as Error).message})`,
      'The file is probably truncated: download it again.',
    );
  }
}
