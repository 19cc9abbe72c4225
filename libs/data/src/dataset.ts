import type { ImageSet } from './image-set';

/**
 * A configurable source of images: construct it from plain options, load
 * it once per process. Every rank loads the whole set; the sampler decides
 * which images each rank uses.
 */
export interface Dataset {
  /** Reads (or makes) the images. */
  load(): Promise<ImageSet>;
  /** The options that recreate this dataset, as plain data. */
  getConfig(): Record<string, unknown>;
}

/** DI token for the dataset a pipeline trains on. */
export const Dataset = Symbol('Dataset');
