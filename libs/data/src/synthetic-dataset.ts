import { checkOptionKeys } from './check-option-keys';
import type { Dataset } from './dataset';
import type { ImageSet } from './image-set';
import { syntheticImages } from './synthetic-images';

export interface SyntheticDatasetOptions {
  /** Number of images; default 1024. */
  count?: number;
  /** Default 28. */
  height?: number;
  /** Default 28. */
  width?: number;
  /** 1 (grey) or 3 (RGB), or any positive count; default 1. */
  channels?: number;
  /** The images are a pure function of the seed; default 0. */
  seed?: number;
  /** Number of pattern classes (bars, blobs, crosses); default 4. */
  classes?: number;
}

/** Generated images for tests and smoke runs: no files, no network. */
export class SyntheticDataset implements Dataset {
  private readonly options: Required<SyntheticDatasetOptions>;

  constructor(options: SyntheticDatasetOptions = {}) {
    checkOptionKeys('SyntheticDataset', options, ['count', 'height', 'width', 'channels', 'seed', 'classes']);
    this.options = { count: 1024, height: 28, width: 28, channels: 1, seed: 0, classes: 4, ...options };
  }

  async load(): Promise<ImageSet> {
    const { height, width, channels } = this.options;
    return syntheticImages({ ...this.options, name: `synthetic-${height}x${width}x${channels}` });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }
}
