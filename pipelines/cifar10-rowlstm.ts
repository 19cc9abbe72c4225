import { Cifar10Dataset } from '@ganglion/data';
import { RowLstm } from '@ganglion/models';
import { definePipeline } from '@ganglion/pipeline';

/** Row-LSTM on CIFAR-10: each step of the LSTM reads one row of 32 RGB pixels (96 values). */
export default definePipeline({
  name: 'cifar10-rowlstm',
  model: { type: RowLstm, options: { units: 128, imageShape: [32, 32, 3] } },
  dataset: { type: Cifar10Dataset, options: { dir: process.env.CIFAR10_DIR ?? 'data/cifar-10-batches-bin', split: 'train' } },
  optimizer: { learningRate: 2e-3 },
  batchSize: 64,
  steps: 5000,
  seed: 42,
  sampleEvery: 500,
  logEvery: 50,
});
