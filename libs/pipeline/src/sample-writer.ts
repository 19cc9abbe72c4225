import * as path from 'node:path';
import { writeImageGrid } from '@ganglion/data';
import type { GenerativeModel } from '@ganglion/models';

/** Writes what the model draws now, so people can watch it learn. */
export interface SampleWriter {
  /** Draws `count` images and returns the path written. */
  write(model: GenerativeModel, step: number, count: number, seed: number): Promise<string>;
}

export const SampleWriter = Symbol('SampleWriter');

/** Writes `samples/step-000500.png` grids into a folder. */
export class PngSampleWriter implements SampleWriter {
  constructor(private readonly folder: string) {}

  async write(model: GenerativeModel, step: number, count: number, seed: number): Promise<string> {
    const file = path.join(this.folder, `step-${String(step).padStart(6, '0')}.png`);
    const images = model.sample(count, seed);
    try {
      const [, height, width, channels] = images.shape;
      const pixels = (await images.data()) as Float32Array;
      writeImageGrid(file, pixels, { count, height, width, channels, range: model.pixelRange });
    } finally {
      images.dispose();
    }
    return file;
  }
}
