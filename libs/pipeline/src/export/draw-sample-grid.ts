import { encodeImageGrid } from '@ganglion/data';
import { DurableFiles } from '@ganglion/storage';
import type { GenerativeModel } from '@ganglion/models';

export interface SampleGridOptions {
  /** Number of images to draw. */
  readonly count: number;
  /** Seed of the draw: the same seed draws the same images. */
  readonly seed: number;
  /** The PNG file to write (its folder is created). */
  readonly file: string;
  /** Images per row; default ceil(sqrt(count)). */
  readonly columns?: number;
}

/** What drawSampleGrid wrote. */
export interface SampleGrid {
  readonly file: string;
  /** Size of the PNG in pixels. */
  readonly width: number;
  readonly height: number;
}

/**
 * Draws `count` images with the model's own sampling path (the one the
 * SampleWriter uses during training: `model.sample(count, seed)`) and
 * writes them as one PNG grid (writeImageGrid's layout and bytes).
 */
export async function drawSampleGrid(model: GenerativeModel, options: SampleGridOptions): Promise<SampleGrid> {
  const { count, seed, file, columns } = options;
  if (!Number.isInteger(count) || count < 1) throw new Error(`The number of images must be a positive integer, got ${count}.`);
  const images = model.sample(count, seed);
  try {
    const [, height, width, channels] = images.shape;
    const pixels = (await images.data()) as Float32Array;
    const grid = { count, height, width, channels, range: model.pixelRange, columns };
    const png = encodeImageGrid(pixels, grid);
    new DurableFiles().writeFile(file, png);
    // The PNG's IHDR chunk: width and height, big-endian, at bytes 16 and 20.
    return { file, width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
  } finally {
    images.dispose();
  }
}
