import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkOptionKeys } from './check-option-keys';
import type { Dataset } from './dataset';
import type { IdxFileSet } from './dataset-catalog';
import { DatasetDownloader } from './dataset-downloader';
import { checkSplit, type DatasetSplit } from './dataset-split';
import type { ImageSet } from './image-set';
import { readIdxImageSet } from './read-idx';
import { withMirrors, type RemoteFile } from './remote-file';

export interface MnistFormatDatasetOptions {
  /**
   * Where the files come from: `'download'` fetches the full official files
   * once into the cache (checked by SHA-256); `'bundled'` reads the subset
   * shipped in the repository's `data/` folder (Fashion-MNIST only); any
   * other value is a folder holding the IDX files under their usual names
   * (`train-images-idx3-ubyte.gz`, ..., gzipped or not).
   */
  source?: 'bundled' | 'download' | (string & {});
  /** `'train'` (default) or `'test'`. */
  split?: DatasetSplit;
  /** Keep only the first `limit` images. */
  limit?: number;
  /** Download cache root for `'download'`; default `$GANGLION_DATA_DIR`, else `~/.ganglion/datasets`. */
  cacheDir?: string;
  /** Base URLs to download from instead of the official ones (a local mirror). */
  mirrors?: string[];
}

/** What distinguishes MNIST from Fashion-MNIST for the shared loader. */
export interface MnistFormatSpec {
  /** Folder name in the cache and in `data/`, and prefix of the set name. */
  readonly id: string;
  /** The subclass's name, for error messages. */
  readonly className: string;
  /** Official files, URLs and checksums. */
  readonly files: IdxFileSet;
  /** The default `source`. */
  readonly defaultSource: string;
  /** Folder of the bundled subset, when the repository ships one. */
  readonly bundledDir?: () => string;
}

/**
 * The shared loader of 28x28 grey, 10-class datasets in MNIST's IDX format.
 * Subclasses give the catalogue entry; see FashionMnistDataset and MnistDataset.
 */
export abstract class MnistFormatDataset implements Dataset {
  private readonly source: string;
  private readonly split: DatasetSplit;

  protected constructor(
    private readonly spec: MnistFormatSpec,
    private readonly options: MnistFormatDatasetOptions,
  ) {
    checkOptionKeys(spec.className, options, ['source', 'split', 'limit', 'cacheDir', 'mirrors']);
    this.source = options.source ?? spec.defaultSource;
    this.split = checkSplit(options.split ?? 'train', spec.id);
    if (typeof this.source !== 'string' || this.source === '') {
      throw new Error(`${spec.id}: source must be 'bundled', 'download' or a folder path, got ${JSON.stringify(options.source)}.`);
    }
    if (this.source === 'bundled' && !spec.bundledDir) {
      throw new Error(`${spec.id}: there is no bundled copy of this dataset. Use source: 'download' or a folder holding the IDX files.`);
    }
  }

  async load(): Promise<ImageSet> {
    const [images, labels] = await this.locate();
    return readIdxImageSet({
      images,
      labels,
      limit: this.options.limit,
      name: `${this.spec.id}/${this.split}`,
      expectedSize: [28, 28],
      classCount: 10,
    });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options, source: this.source, split: this.split };
  }

  private remoteFiles(): [RemoteFile, RemoteFile] {
    const { files } = this.spec;
    const pair: [RemoteFile, RemoteFile] =
      this.split === 'train' ? [files.trainImages, files.trainLabels] : [files.testImages, files.testLabels];
    const { mirrors } = this.options;
    return mirrors ? [withMirrors(pair[0], mirrors), withMirrors(pair[1], mirrors)] : pair;
  }

  private async locate(): Promise<[images: string, labels: string]> {
    const [images, labels] = this.remoteFiles();
    if (this.source === 'download') {
      const downloader = new DatasetDownloader({ cacheDir: this.options.cacheDir });
      return [await downloader.fetch(this.spec.id, images), await downloader.fetch(this.spec.id, labels)];
    }
    const folder = this.source === 'bundled' ? this.spec.bundledDir!() : this.source;
    return [findIdxFile(folder, images.name), findIdxFile(folder, labels.name)];
  }
}

/**
 * Finds `train-images-idx3-ubyte.gz` in a folder under the names it is
 * commonly stored as: gzipped, gunzipped, or with a dot before `idx`.
 */
function findIdxFile(folder: string, gzName: string): string {
  const plain = gzName.replace(/\.gz$/, '');
  const dotted = plain.replace(/-idx/, '.idx');
  const candidates = [gzName, plain, `${dotted}.gz`, dotted].map((name) => join(folder, name));
  const found = candidates.find((file) => existsSync(file));
  if (!found) {
    throw new Error(`No ${plain} file in ${folder} (looked for ${candidates.join(', ')}). Check the dataset's source folder.`);
  }
  return found;
}
