import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { applyLimit } from './apply-limit';
import { DatasetFormatError } from './dataset-format-error';
import type { ImageSet } from './image-set';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Signature, IHDR length and type, width, height, bit depth, colour type. */
const HEADER_BYTES = 26;

export interface PngFolderReadOptions {
  /**
   * Channels of the result: 1 (grey) or 3 (RGB). By default 1 when every
   * file is greyscale, else 3. Colour is turned grey with the ITU-R BT.601
   * luma weights; grey is repeated into RGB. Alpha is always dropped.
   */
  channels?: 1 | 3;
  /** Keep only the first `limit` files in name order. */
  limit?: number;
  /** Name of the set in logs; defaults to the folder path. */
  name?: string;
}

interface PngHeader {
  readonly file: string;
  readonly width: number;
  readonly height: number;
  readonly colour: boolean;
}

/**
 * Reads every `.png` file of a folder (not its subfolders), in natural name
 * order (`2.png` before `10.png`). All images must have one size: the odd
 * file is named in the error.
 */
export function readPngFolder(directory: string, options: PngFolderReadOptions = {}): ImageSet {
  const names = listPngs(directory);
  const count = applyLimit(names.length, options.limit);
  const headers = names.slice(0, count).map((name) => readHeader(join(directory, name)));
  const [first] = headers;
  for (const header of headers) {
    if (header.width !== first.width || header.height !== first.height) {
      throw new DatasetFormatError(
        header.file,
        'image size differs from the rest of the folder',
        `${first.height}x${first.width} (height x width) like ${first.file}`,
        `${header.height}x${header.width}`,
        'Every image of a PNG folder must have one size: resize this file or move it out.',
      );
    }
  }
  const channels = options.channels ?? (headers.some((h) => h.colour) ? 3 : 1);
  if (channels !== 1 && channels !== 3) throw new Error(`channels must be 1 or 3, got ${channels}.`);
  const plane = first.width * first.height;
  const pixels = new Uint8Array(count * plane * channels);
  headers.forEach((header, i) => decodeInto(header.file, pixels, i * plane * channels, plane, channels));
  return { name: options.name ?? directory, count, height: first.height, width: first.width, channels, pixels };
}

function listPngs(directory: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(directory);
  } catch (error) {
    throw new Error(`Cannot read the PNG folder ${directory}: ${(error as Error).message}`);
  }
  const names = entries.filter((name) => name.toLowerCase().endsWith('.png'));
  if (names.length === 0) throw new Error(`${directory}: no .png files found in this folder.`);
  return names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

function readHeader(file: string): PngHeader {
  const bytes = Buffer.alloc(HEADER_BYTES);
  const fd = openSync(file, 'r');
  let read: number;
  try {
    read = readSync(fd, bytes, 0, HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  const signature = [...bytes.subarray(0, 8)];
  if (read < 8 || signature.some((byte, i) => byte !== SIGNATURE[i])) {
    throw new DatasetFormatError(file, 'not a PNG file', `the PNG signature ${hexBytes(SIGNATURE)}`, hexBytes(signature.slice(0, read)));
  }
  if (read < HEADER_BYTES || bytes.toString('latin1', 12, 16) !== 'IHDR') {
    throw new DatasetFormatError(file, 'truncated PNG header', `an IHDR chunk in the first ${HEADER_BYTES} bytes`, `${read} bytes`);
  }
  const colourType = bytes[25];
  return { file, width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), colour: colourType === 2 || colourType === 3 || colourType === 6 };
}

function decodeInto(file: string, target: Uint8Array, offset: number, plane: number, channels: number): void {
  let rgba: Uint8Array;
  try {
    rgba = PNG.sync.read(readFileSync(file)).data;
  } catch (error) {
    throw new DatasetFormatError(file, 'damaged PNG data', 'a complete, decodable PNG', `a decoder error: ${(error as Error).message}`);
  }
  for (let p = 0; p < plane; p++) {
    const r = rgba[4 * p];
    const g = rgba[4 * p + 1];
    const b = rgba[4 * p + 2];
    if (channels === 1) {
      target[offset + p] = r === g && g === b ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    } else {
      target[offset + 3 * p] = r;
      target[offset + 3 * p + 1] = g;
      target[offset + 3 * p + 2] = b;
    }
  }
}

function hexBytes(bytes: readonly number[]): string {
  return bytes.length === 0 ? 'an empty file' : bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
