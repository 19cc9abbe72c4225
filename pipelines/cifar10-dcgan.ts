import { Cifar10Dataset } from '@ganglion/data';
import { Dcgan } from '@ganglion/models';
import { definePipeline } from '@ganglion/pipeline';

/**
 * DCGAN on CIFAR-10 (32x32x3). Needs the binary version of CIFAR-10:
 * extract cifar-10-binary.tar.gz and point CIFAR10_DIR at the resulting
 * cifar-10-batches-bin folder (default: ./data/cifar-10-batches-bin).
 */
export default definePipeline({
  name: 'cifar10-dcgan',
  model: { type: Dcgan, options: { latentDim: 100, imageShape: [32, 32, 3] } },
  dataset: { type: Cifar10Dataset, options: { dir: process.env.CIFAR10_DIR ?? 'data/cifar-10-batches-bin', split: 'train' } },
  optimizer: { learningRate: 2e-4, beta1: 0.5 },
  batchSize: 64,
  steps: 10000,
  seed: 42,
  sampleEvery: 500,
  logEvery: 50,
});
