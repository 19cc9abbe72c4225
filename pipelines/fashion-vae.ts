import { FashionMnistDataset } from '@ganglion/data';
import { ConvVae } from '@ganglion/models';
import { definePipeline } from '@ganglion/pipeline';

/**
 * The default run: a convolutional VAE on the 10,000 bundled Fashion-MNIST
 * images. About two minutes on two CPU cores (WASM); sample grids appear in
 * runs/fashion-vae/<timestamp>/samples/.
 */
export default definePipeline({
  name: 'fashion-vae',
  model: { type: ConvVae, options: { latentDim: 16 } },
  dataset: { type: FashionMnistDataset, options: { source: 'bundled', split: 'train' } },
  optimizer: { learningRate: 1e-3 },
  batchSize: 64,
  steps: 1200,
  seed: 42,
  sampleEvery: 200,
  logEvery: 100,
});
