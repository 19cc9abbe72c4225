import { Cifar10Dataset } from '@ganglion/data';
import { ConvVae } from '@ganglion/models';
import { definePipeline } from '@ganglion/pipeline';

/** ConvVAE on CIFAR-10 (32x32x3); see cifar10-dcgan.ts for where the files go. */
export default definePipeline({
  name: 'cifar10-vae',
  model: { type: ConvVae, options: { latentDim: 16, imageShape: [32, 32, 3] } },
  dataset: { type: Cifar10Dataset, options: { dir: process.env.CIFAR10_DIR ?? 'data/cifar-10-batches-bin', split: 'train' } },
  optimizer: { learningRate: 1e-3 },
  batchSize: 64,
  steps: 5000,
  seed: 42,
  sampleEvery: 500,
  logEvery: 50,
});
