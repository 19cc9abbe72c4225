import * as tf from '@tensorflow/tfjs';
import { seededGlorotUniform } from '../seeded-glorot-uniform';
import type { RowLstmConfig } from './row-lstm-options';

/**
 * rows [n, t, w*c] -> LSTM (units, every step's output) -> dense w*c ->
 * sigmoid: at step t, the probability of each value of row t. The input
 * length is left open so that sampling can feed a growing prefix. The
 * recurrent gate uses the logistic sigmoid (tfjs defaults to the hard
 * sigmoid) to match other frameworks' LSTMs; one bias vector (tfjs's,
 * where PyTorch keeps two). The sigmoid is its own last layer so that
 * training can take the logits before it. Weights 0..2 of the seed sequence.
 */
export function buildRowNetwork(config: RowLstmConfig): tf.Sequential {
  const [, width, channels] = config.imageShape;
  const rowWidth = width * channels;
  const model = tf.sequential({ name: 'rnn' });
  model.add(
    tf.layers.lstm({
      name: 'rnn/lstm',
      inputShape: [null, rowWidth],
      units: config.units,
      returnSequences: true,
      recurrentActivation: 'sigmoid',
      kernelInitializer: seededGlorotUniform(config.seed, 0),
      recurrentInitializer: seededGlorotUniform(config.seed, 1),
    }),
  );
  model.add(
    tf.layers.dense({ name: 'rnn/dense', units: rowWidth, kernelInitializer: seededGlorotUniform(config.seed, 2) }),
  );
  model.add(tf.layers.activation({ name: 'rnn/sigmoid', activation: 'sigmoid' }));
  return model;
}
