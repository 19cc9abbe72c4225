import { FashionMnistDataset } from '@ganglion/data';
import { RowLstm } from '@ganglion/models';
import { definePipeline } from '@ganglion/pipeline';

/** A row-LSTM that writes each image one row of pixels at a time, on the bundled Fashion-MNIST subset. */
export default definePipeline({
  name: 'fashion-rowlstm',
  model: { type: RowLstm, options: { units: 128 } },
  dataset: { type: FashionMnistDataset, options: { source: 'bundled', split: 'train' } },
  optimizer: { learningRate: 2e-3 },
  batchSize: 64,
  steps: 1500,
  seed: 42,
  sampleEvery: 250,
  logEvery: 50,
});
