import { checkOptionKeys } from './check-option-keys';
import type { Dataset } from './dataset';
import type { ImageSet } from './image-set';
import { readIdxImageSet } from './read-idx';

export interface IdxDatasetOptions {
  /** Path of an IDX images file (magic 0x00000803), gzipped or raw. */
  images: string;
  /** Path of the matching IDX labels file (magic 0x00000801); optional. */
  labels?: string;
  /** Keep only the first `limit` images. */
  limit?: number;
  /** Name of the set in logs; defaults to the images file name. */
  name?: string;
}

/** Any MNIST-format pair of files, named by path. */
export class IdxDataset implements Dataset {
  constructor(private readonly options: IdxDatasetOptions) {
    checkOptionKeys('IdxDataset', options, ['images', 'labels', 'limit', 'name']);
    if (typeof options?.images !== 'string' || options.images === '') {
      throw new Error('IdxDataset: `images` must be the path of an IDX images file.');
    }
  }

  async load(): Promise<ImageSet> {
    return readIdxImageSet(this.options);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }
}
