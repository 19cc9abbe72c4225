import { MNIST_FILES } from './dataset-catalog';
import { MnistFormatDataset, type MnistFormatDatasetOptions } from './mnist-format-dataset';

export type MnistDatasetOptions = MnistFormatDatasetOptions;

/**
 * MNIST handwritten digits: 28x28 grey, 10 classes, 60,000 / 10,000.
 * There is no bundled copy: `source` is `'download'` (the default) or a
 * folder holding the official IDX files.
 */
export class MnistDataset extends MnistFormatDataset {
  constructor(options: MnistDatasetOptions = {}) {
    super({ id: 'mnist', className: 'MnistDataset', files: MNIST_FILES, defaultSource: 'download' }, options);
  }
}
