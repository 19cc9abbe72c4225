export { CounterRandom, RandomStream } from './counter-random';
export type { PixelRange } from './pixel-range';
export { UNIT_RANGE, SYMMETRIC_RANGE, scaleByte, toByte } from './pixel-range';

export type { ImageSet } from './image-set';
export { imageBytes } from './image-set';
export { Dataset } from './dataset';
export type { DatasetSplit } from './dataset-split';
export { DatasetFormatError } from './dataset-format-error';
export { DatasetDownloadError } from './dataset-download-error';

export { readMaybeGzipped, isGzip } from './read-maybe-gzipped';
export type { IdxReadOptions, IdxImages, IdxImageSetOptions } from './read-idx';
export { readIdxImages, readIdxLabels, readIdxImageSet, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC } from './read-idx';
export type { Cifar10ReadOptions } from './read-cifar10';
export { readCifar10, CIFAR10_RECORD_BYTES } from './read-cifar10';
export type { PngFolderReadOptions } from './read-png-folder';
export { readPngFolder } from './read-png-folder';
export type { SyntheticImagesOptions } from './synthetic-images';
export { syntheticImages } from './synthetic-images';
export type { TarEntry } from './read-tar';
export { readTar } from './read-tar';

export type { IdxDatasetOptions } from './idx-dataset';
export { IdxDataset } from './idx-dataset';
export type { Cifar10DatasetOptions } from './cifar10-dataset';
export { Cifar10Dataset, CIFAR10_CLASSES } from './cifar10-dataset';
export { CIFAR10_BATCH_FILES, extractCifar10Archive } from './extract-cifar10-archive';
export type { PngFolderDatasetOptions } from './png-folder-dataset';
export { PngFolderDataset } from './png-folder-dataset';
export type { SyntheticDatasetOptions } from './synthetic-dataset';
export { SyntheticDataset } from './synthetic-dataset';
export type { MnistFormatDatasetOptions, MnistFormatSpec } from './mnist-format-dataset';
export { MnistFormatDataset } from './mnist-format-dataset';
export type { FashionMnistDatasetOptions } from './fashion-mnist-dataset';
export { FashionMnistDataset, FASHION_MNIST_CLASSES } from './fashion-mnist-dataset';
export type { MnistDatasetOptions } from './mnist-dataset';
export { MnistDataset } from './mnist-dataset';
export { bundledDataDir } from './bundled-data-dir';

export type { RemoteFile } from './remote-file';
export { withMirrors } from './remote-file';
export type { IdxFileSet } from './dataset-catalog';
export { FASHION_MNIST_FILES, MNIST_FILES, CIFAR10_BINARY_ARCHIVE } from './dataset-catalog';
export type { DatasetDownloaderOptions } from './dataset-downloader';
export { DatasetDownloader, hashFile } from './dataset-downloader';
export { defaultCacheDir, DATA_DIR_ENV } from './default-cache-dir';

export { gatherBatch } from './gather-batch';
export { BatchPrefetcher } from './batch-prefetcher';
export type { LocalBatch, LocalBatchKey } from './batch-prefetcher';
export type { ShardedSamplerOptions, SamplerPosition } from './sharded-sampler';
export { ShardedSampler } from './sharded-sampler';
export { splitEvenly } from './split-evenly';
export type { ImageGridOptions } from './write-image-grid';
export { writeImageGrid, encodeImageGrid } from './write-image-grid';
export type { BatchSampler } from './batch-sampler';
export { SamplerFactory } from './batch-sampler';
export { dataModule } from './data-module';
