import { FashionMnistDataset } from '@ganglion/data';
import { Dcgan } from '@ganglion/models';
import { definePipeline } from '@ganglion/pipeline';

/** DCGAN (Radford et al. 2015) on the bundled Fashion-MNIST subset. Adam(2e-4, beta1 0.5) per network. */
export default definePipeline({
  name: 'fashion-dcgan',
  model: { type: Dcgan, options: { latentDim: 100 } },
  dataset: { type: FashionMnistDataset, options: { source: 'bundled', split: 'train' } },
  optimizer: { learningRate: 2e-4, beta1: 0.5 },
  batchSize: 64,
  steps: 2000,
  seed: 42,
  sampleEvery: 100,
  logEvery: 25,
});
