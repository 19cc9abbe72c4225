import { applyLimit } from './apply-limit';
import { DatasetFormatError } from './dataset-format-error';
import type { ImageSet } from './image-set';
import { readMaybeGzipped } from './read-maybe-gzipped';

/** Magic number of an IDX file of unsigned bytes with 3 dimensions (images). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of an IDX file of unsigned bytes with 1 dimension (labels). */
export const IDX_LABELS_MAGIC = 0x00000801;

export interface IdxReadOptions {
  /** Keep only the first `limit` items (at most; a smaller file gives all it has). */
  limit?: number;
}

/** Images of an IDX file: grey, one byte per pixel. */
export interface IdxImages {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly pixels: Uint8Array;
}

/**
 * Reads an IDX image file (MNIST, Fashion-MNIST: magic 0x00000803, then
 * count, rows, columns as big-endian uint32, then the pixels), gzipped or
 * not. Truncated or foreign files are DatasetFormatErrors naming the file.
 */
export function readIdxImages(file: string, options: IdxReadOptions = {}): IdxImages {
  const data = readMaybeGzipped(file);
  checkHeader(file, data, IDX_IMAGES_MAGIC, 16);
  const total = data.readUInt32BE(4);
  const height = data.readUInt32BE(8);
  const width = data.readUInt32BE(12);
  if (height === 0 || width === 0) {
    throw new DatasetFormatError(file, 'bad image dimensions', 'rows and columns of at least 1', `${height}x${width}`);
  }
  const imageBytes = height * width;
  checkLength(file, data, 16, total, imageBytes, `${total} images of ${height}x${width}`);
  const count = applyLimit(total, options.limit);
  const pixels = new Uint8Array(count * imageBytes);
  pixels.set(data.subarray(16, 16 + count * imageBytes));
  return { count, height, width, pixels };
}

/**
 * Reads an IDX label file (magic 0x00000801, count, then one byte per
 * label), gzipped or not.
 */
export function readIdxLabels(file: string, options: IdxReadOptions = {}): Uint8Array {
  const data = readMaybeGzipped(file);
  checkHeader(file, data, IDX_LABELS_MAGIC, 8);
  const total = data.readUInt32BE(4);
  checkLength(file, data, 8, total, 1, `${total} labels`);
  const count = applyLimit(total, options.limit);
  return Uint8Array.from(data.subarray(8, 8 + count));
}

export interface IdxImageSetOptions extends IdxReadOptions {
  /** Path of the IDX images file (`.gz` or raw). */
  images: string;
  /** Path of the matching IDX labels file; optional. */
  labels?: string;
  /** Name of the set in logs; defaults to the images file name. */
  name?: string;
  /** Refuse images of another size, e.g. `[28, 28]` for MNIST. */
  expectedSize?: readonly [height: number, width: number];
  /** Refuse labels at or above this value, e.g. 10 for MNIST. */
  classCount?: number;
}

/** Reads an IDX images file and, when given, its labels into one ImageSet. */
export function readIdxImageSet(options: IdxImageSetOptions): ImageSet {
  const images = readIdxImages(options.images, options);
  const { expectedSize } = options;
  if (expectedSize && (images.height !== expectedSize[0] || images.width !== expectedSize[1])) {
    throw new DatasetFormatError(
      options.images,
      'wrong image dimensions',
      `${expectedSize[0]}x${expectedSize[1]} images`,
      `${images.height}x${images.width}`,
      'Is this the right dataset?',
    );
  }
  let labels: Uint8Array | undefined;
  if (options.labels !== undefined) {
    labels = readIdxLabels(options.labels, options);
    if (labels.length !== images.count) {
      throw new DatasetFormatError(
        options.labels,
        'label count does not match the images',
        `${images.count} labels (one per image in ${options.images})`,
        `${labels.length}`,
        'Use the labels file that belongs to these images.',
      );
    }
    if (options.classCount !== undefined) checkLabelRange(options.labels, labels, options.classCount);
  }
  const name = options.name ?? options.images.split(/[\\/]/).pop() ?? options.images;
  return { name, count: images.count, height: images.height, width: images.width, channels: 1, pixels: images.pixels, labels };
}

function checkHeader(file: string, data: Buffer, magic: number, headerBytes: number): void {
  if (data.length < headerBytes) {
    throw new DatasetFormatError(file, 'truncated IDX header', `at least ${headerBytes} bytes`, `${data.length} bytes`);
  }
  const found = data.readUInt32BE(0);
  if (found !== magic) {
    const hint =
      found === IDX_LABELS_MAGIC
        ? 'This is an IDX labels file: were images and labels swapped?'
        : found === IDX_IMAGES_MAGIC
          ? 'This is an IDX images file: were images and labels swapped?'
          : 'This is not an IDX file of unsigned bytes.';
    throw new DatasetFormatError(file, 'wrong magic number', hex(magic), hex(found), hint);
  }
}

function checkLength(file: string, data: Buffer, header: number, total: number, itemBytes: number, what: string): void {
  const expected = header + total * itemBytes;
  if (data.length < expected) {
    const complete = Math.floor((data.length - header) / itemBytes);
    throw new DatasetFormatError(
      file,
      'truncated data',
      `${expected} bytes (header of ${header} + ${what})`,
      `${data.length} bytes, ${complete} complete items`,
      'Download the file again.',
    );
  }
  if (data.length > expected) {
    throw new DatasetFormatError(file, 'unexpected trailing data', `${expected} bytes (header + ${what})`, `${data.length} bytes`);
  }
}

function checkLabelRange(file: string, labels: Uint8Array, classCount: number): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= classCount) {
      throw new DatasetFormatError(file, `label of item ${i} out of range`, `0..${classCount - 1}`, `${labels[i]}`);
    }
  }
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
