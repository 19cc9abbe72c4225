import { join } from 'node:path';
import { bundledDataDir } from './bundled-data-dir';
import { FASHION_MNIST_FILES } from './dataset-catalog';
import { MnistFormatDataset, type MnistFormatDatasetOptions } from './mnist-format-dataset';

export type FashionMnistDatasetOptions = MnistFormatDatasetOptions;

/** Names of the ten Fashion-MNIST classes, by label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

/**
 * Zalando's Fashion-MNIST: 28x28 grey pictures of clothes, 10 classes.
 * `source: 'bundled'` (the default) reads the repository's subset (the
 * first 10,000 training and 2,000 test images); `'download'` fetches the
 * full 60,000 / 10,000; a folder path reads the official files from there.
 */
export class FashionMnistDataset extends MnistFormatDataset {
  constructor(options: FashionMnistDatasetOptions = {}) {
    super(
      {
        id: 'fashion-mnist',
        className: 'FashionMnistDataset',
        files: FASHION_MNIST_FILES,
        defaultSource: 'bundled',
        bundledDir: () => join(bundledDataDir(), 'fashion-mnist'),
      },
      options,
    );
  }
}
