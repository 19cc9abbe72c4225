import * as path from 'node:path';
import { definePipeline } from '@ganglion/pipeline';
import { DenseAutoencoder } from './dense-autoencoder';
import { GreyPngFolder } from './grey-png-folder';

export default definePipeline({
  name: 'my-autoencoder',
  model: { type: DenseAutoencoder, options: { imageShape: [16, 16, 1], hidden: 64, latentDim: 8 } },
  dataset: { type: GreyPngFolder, options: { directory: path.join(__dirname, 'images') } },
  optimizer: { learningRate: 3e-3 },
  batchSize: 16,
  steps: 40,
  sampleEvery: 20,
  sampleCount: 16,
  logEvery: 10,
  checkpointEvery: 20,
});
