import type { RemoteFile } from './remote-file';

/** The four files of an MNIST-format dataset. */
export interface IdxFileSet {
  readonly trainImages: RemoteFile;
  readonly trainLabels: RemoteFile;
  readonly testImages: RemoteFile;
  readonly testLabels: RemoteFile;
}

function idxFiles(
  bases: readonly string[],
  files: Record<keyof IdxFileSet, readonly [name: string, size: number, sha256: string]>,
): IdxFileSet {
  const entry = ([name, size, sha256]: readonly [string, number, string]): RemoteFile => ({
    name,
    size,
    sha256,
    urls: bases.map((base) => `${base}/${name}`),
  });
  return {
    trainImages: entry(files.trainImages),
    trainLabels: entry(files.trainLabels),
    testImages: entry(files.testImages),
    testLabels: entry(files.testLabels),
  };
}

/**
 * Fashion-MNIST (Zalando Research, MIT licence): the official gzipped IDX
 * files. Sizes and SHA-256 as recorded by TensorFlow Datasets
 * (url_checksums/fashion_mnist.txt); their MD5s are the ones Zalando
 * publishes in its README.
 */
export const FASHION_MNIST_FILES: IdxFileSet = idxFiles(
  [
    'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com',
    'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion',
  ],
  {
    trainImages: ['train-images-idx3-ubyte.gz', 26_421_880, '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84'],
    trainLabels: ['train-labels-idx1-ubyte.gz', 29_515, 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845'],
    testImages: ['t10k-images-idx3-ubyte.gz', 4_422_102, '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073'],
    testLabels: ['t10k-labels-idx1-ubyte.gz', 5_148, '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5'],
  },
);

/**
 * MNIST (LeCun, Cortes, Burges): the original gzipped IDX files, from the
 * mirrors torchvision uses (yann.lecun.com often answers 403 now). SHA-256
 * as published by TensorFlow Datasets and Keras users of these files.
 */
export const MNIST_FILES: IdxFileSet = idxFiles(
  [
    'https://ossci-datasets.s3.amazonaws.com/mnist',
    'https://storage.googleapis.com/cvdf-datasets/mnist',
    'http://yann.lecun.com/exdb/mnist',
  ],
  {
    trainImages: ['train-images-idx3-ubyte.gz', 9_912_422, '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609'],
    trainLabels: ['train-labels-idx1-ubyte.gz', 28_881, '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c'],
    testImages: ['t10k-images-idx3-ubyte.gz', 1_648_877, '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6'],
    testLabels: ['t10k-labels-idx1-ubyte.gz', 4_542, 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6'],
  },
);

/**
 * CIFAR-10, binary version (Krizhevsky, 2009): one archive holding the
 * folder `cifar-10-batches-bin`. SHA-256 as recorded by TensorFlow Datasets
 * (url_checksums/cifar10.txt).
 */
export const CIFAR10_BINARY_ARCHIVE: RemoteFile = {
  name: 'cifar-10-binary.tar.gz',
  size: 170_052_171,
  sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
  urls: ['https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz'],
};
