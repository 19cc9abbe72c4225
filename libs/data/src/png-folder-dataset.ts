import { checkOptionKeys } from './check-option-keys';
import type { Dataset } from './dataset';
import type { ImageSet } from './image-set';
import { readPngFolder } from './read-png-folder';

export interface PngFolderDatasetOptions {
  /** Folder holding the `.png` files (subfolders are not read). */
  directory: string;
  /** Force 1 (grey) or 3 (RGB) channels; by default 1 when every file is grey, else 3. */
  channels?: 1 | 3;
  /** Keep only the first `limit` files in natural name order. */
  limit?: number;
  /** Name of the set in logs; defaults to the folder path. */
  name?: string;
}

/** A folder of PNG images of one size, e.g. your own pictures. */
export class PngFolderDataset implements Dataset {
  constructor(private readonly options: PngFolderDatasetOptions) {
    checkOptionKeys('PngFolderDataset', options, ['directory', 'channels', 'limit', 'name']);
    if (typeof options?.directory !== 'string' || options.directory === '') {
      throw new Error('PngFolderDataset: `directory` must be the path of a folder of .png files.');
    }
  }

  async load(): Promise<ImageSet> {
    return readPngFolder(this.options.directory, this.options);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }
}
