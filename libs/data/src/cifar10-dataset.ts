import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkOptionKeys } from './check-option-keys';
import type { Dataset } from './dataset';
import { CIFAR10_BINARY_ARCHIVE } from './dataset-catalog';
import { DatasetDownloader } from './dataset-downloader';
import { checkSplit, type DatasetSplit } from './dataset-split';
import { CIFAR10_BATCH_FILES, extractCifar10Archive } from './extract-cifar10-archive';
import type { ImageSet } from './image-set';
import { readCifar10 } from './read-cifar10';
import { withMirrors } from './remote-file';

export interface Cifar10DatasetOptions {
  /**
   * `'download'` fetches `cifar-10-binary.tar.gz` once into the cache
   * (checked by SHA-256) and unpacks it there; otherwise the extracted
   * `cifar-10-batches-bin` folder, or the folder that contains it. Give
   * either `source` or `dir`.
   */
  source?: 'download' | (string & {});
  /** The extracted `cifar-10-batches-bin` folder (or its parent): the same as a folder `source`. */
  dir?: string;
  /** `'train'` (data_batch_1..5, 50,000 images; default) or `'test'` (test_batch, 10,000). */
  split?: DatasetSplit;
  /** Keep only the first `limit` images. */
  limit?: number;
  /** Download cache root for `'download'`; default `$GANGLION_DATA_DIR`, else `~/.ganglion/datasets`. */
  cacheDir?: string;
  /** Base URLs to download the archive from instead of the official one. */
  mirrors?: string[];
}

/** Names of the ten CIFAR-10 classes, by label. */
export const CIFAR10_CLASSES = [
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
] as const;

/** CIFAR-10 from its binary version: 32x32 RGB, 10 classes. */
export class Cifar10Dataset implements Dataset {
  private readonly split: DatasetSplit;
  private readonly source: string;

  constructor(private readonly options: Cifar10DatasetOptions) {
    checkOptionKeys('Cifar10Dataset', options, ['source', 'dir', 'split', 'limit', 'cacheDir', 'mirrors']);
    const given = [options?.source, options?.dir].filter((value) => value !== undefined);
    if (given.length !== 1 || typeof given[0] !== 'string' || given[0] === '') {
      throw new Error(
        "Cifar10Dataset: give either source ('download' or a folder) or dir (the cifar-10-batches-bin folder), " +
          `got source ${JSON.stringify(options?.source)} and dir ${JSON.stringify(options?.dir)}.`,
      );
    }
    this.source = given[0];
    this.split = checkSplit(options.split ?? 'train', 'cifar-10');
  }

  async load(): Promise<ImageSet> {
    const folder = await this.batchFolder();
    const files = CIFAR10_BATCH_FILES[this.split].map((name) => join(folder, name));
    return readCifar10(files, { limit: this.options.limit, name: `cifar-10/${this.split}` });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options, split: this.split };
  }

  private async batchFolder(): Promise<string> {
    const { mirrors, cacheDir } = this.options;
    const { source } = this;
    if (this.options.source === 'download') {
      const downloader = new DatasetDownloader({ cacheDir });
      const archive = mirrors ? withMirrors(CIFAR10_BINARY_ARCHIVE, mirrors) : CIFAR10_BINARY_ARCHIVE;
      const path = await downloader.fetch('cifar-10', archive);
      return extractCifar10Archive(path, dirname(path));
    }
    const first = CIFAR10_BATCH_FILES[this.split][0];
    for (const folder of [source, join(source, 'cifar-10-batches-bin')]) {
      if (existsSync(join(folder, first))) return folder;
    }
    throw new Error(
      `No ${first} in ${source} or in ${join(source, 'cifar-10-batches-bin')}. ` +
        'Point dir (or source) at the folder extracted from cifar-10-binary.tar.gz (the binary version, not the Python one).',
    );
  }
}
