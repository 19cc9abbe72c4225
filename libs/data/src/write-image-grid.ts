import { PNG } from 'pngjs';
import { toByte, type PixelRange } from './pixel-range';
import { DurableFiles } from '@ganglion/storage';

export interface ImageGridOptions {
  /** Number of images in `images`. */
  count: number;
  height: number;
  width: number;
  /** 1 writes a greyscale PNG, 3 an RGB one. */
  channels: number;
  /** The range the pixels are in; mapped back to 0..255 and clamped. */
  range: PixelRange;
  /** Images per row; default `ceil(sqrt(count))`. */
  columns?: number;
  /** Pixels of background between and around the images; default 2. */
  padding?: number;
  /** Background byte value (0 black .. 255 white); default 0. */
  background?: number;
}

/**
 * Lays `count` NHWC images out in a grid and writes it as a PNG (greyscale
 * or RGB) through DurableFiles (whole or not at all; a StorageError names
 * the file when the disk is full), creating the folder.
 */
export function writeImageGrid(file: string, images: Float32Array, options: ImageGridOptions, files = new DurableFiles()): void {
  files.writeFile(file, encodeImageGrid(images, options));
}

/** The PNG bytes that `writeImageGrid` writes. */
export function encodeImageGrid(images: Float32Array, options: ImageGridOptions): Buffer {
  const { count, height, width, channels, range } = options;
  if (channels !== 1 && channels !== 3) {
    throw new Error(`writeImageGrid writes 1 (grey) or 3 (RGB) channels, got ${channels}.`);
  }
  if (!Number.isInteger(count) || count < 1) throw new Error(`writeImageGrid: count must be a positive integer, got ${count}.`);
  const size = height * width * channels;
  if (images.length < count * size) {
    throw new Error(`writeImageGrid: ${count} images of ${height}x${width}x${channels} need ${count * size} floats, got ${images.length}.`);
  }
  const columns = options.columns ?? Math.ceil(Math.sqrt(count));
  const padding = options.padding ?? 2;
  const rows = Math.ceil(count / columns);
  const gridWidth = columns * width + (columns + 1) * padding;
  const gridHeight = rows * height + (rows + 1) * padding;
  const data = Buffer.alloc(gridWidth * gridHeight * channels, options.background ?? 0);
  for (let i = 0; i < count; i++) {
    const top = padding + Math.floor(i / columns) * (height + padding);
    const left = padding + (i % columns) * (width + padding);
    for (let y = 0; y < height; y++) {
      const source = i * size + y * width * channels;
      const target = ((top + y) * gridWidth + left) * channels;
      for (let v = 0; v < width * channels; v++) data[target + v] = toByte(images[source + v], range);
    }
  }
  const colorType = channels === 1 ? 0 : 2;
  return PNG.sync.write({ width: gridWidth, height: gridHeight, data } as PNG, { colorType, inputColorType: colorType, inputHasAlpha: false });
}
