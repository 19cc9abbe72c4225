import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Dataset, ImageSet } from '@ganglion/data';
import { PNG } from 'pngjs';
import { z } from 'zod';

export interface GreyPngFolderOptions {
  /** Folder of .png files, all of one size; read in name order. */
  directory: string;
}

/** Every .png of a folder as one grey image (the red channel), in name order. */
export class GreyPngFolder implements Dataset {
  static readonly optionsSchema = z.object({ directory: z.string().min(1) }).strict();

  constructor(private readonly options: GreyPngFolderOptions) {}

  async load(): Promise<ImageSet> {
    const { directory } = this.options;
    const files = fs.readdirSync(directory).filter((file) => file.endsWith('.png')).sort();
    if (files.length === 0) throw new Error(`GreyPngFolder: no .png files in ${directory}. Put your images there.`);
    const images = files.map((file) => PNG.sync.read(fs.readFileSync(path.join(directory, file))));
    const { width, height } = images[0];
    const pixels = new Uint8Array(files.length * width * height);
    images.forEach((image, i) => {
      if (image.width !== width || image.height !== height) {
        throw new Error(`GreyPngFolder: ${files[i]} is ${image.width}x${image.height}, the others ${width}x${height}. Resize it.`);
      }
      for (let p = 0; p < width * height; p++) pixels[i * width * height + p] = image.data[p * 4];
    });
    return { name: `png:${path.basename(directory)}`, count: files.length, height, width, channels: 1, pixels };
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }
}
