import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { seededValues } from './kernel-spec-support';
import { registerTrainingKernels } from './register-training-kernels';

/**
 * Sanity check that the layers Ganglion's models use train on WASM at all:
 * every kernel their forward and backward passes need is registered, the
 * loss goes down, and no tensors accumulate across steps.
 */
describe('training tf.layers models on WASM', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    registerTrainingKernels('wasm');
  });

  function convModel(): tf.LayersModel {
    const input = tf.input({ shape: [8, 8, 1] });
    const layers: tf.layers.Layer[] = [
      tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
      tf.layers.leakyReLU({ alpha: 0.2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 32, activation: 'relu' }),
      tf.layers.reshape({ targetShape: [4, 4, 2] }),
      tf.layers.conv2dTranspose({ filters: 1, kernelSize: 5, strides: 2, padding: 'same', activation: 'sigmoid' }),
    ];
    const output = layers.reduce<tf.SymbolicTensor>((h, layer) => layer.apply(h) as tf.SymbolicTensor, input);
    return tf.model({ inputs: input, outputs: output });
  }

  function lstmModel(): tf.LayersModel {
    const input = tf.input({ shape: [6, 4] });
    const h = tf.layers.lstm({ units: 8, returnSequences: true }).apply(input) as tf.SymbolicTensor;
    const output = tf.layers
      .timeDistributed({ layer: tf.layers.dense({ units: 3, activation: 'tanh' }) })
      .apply(h) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: output });
  }

  /** Trains for `steps` Adam steps; returns the losses and the tensor counts after each step. */
  function train(model: tf.LayersModel, x: tf.Tensor, loss: (y: tf.Tensor) => tf.Scalar, steps: number) {
    const optimizer = tf.train.adam(0.01);
    const losses: number[] = [];
    const tensorCounts: number[] = [];
    for (let i = 0; i < steps; i++) {
      const value = optimizer.minimize(() => loss(model.apply(x, { training: true }) as tf.Tensor), true);
      losses.push(value!.dataSync()[0]);
      value!.dispose();
      tensorCounts.push(tf.memory().numTensors);
    }
    optimizer.dispose();
    return { losses, tensorCounts };
  }

  it('trains conv2d / leakyReLU / dense / conv2dTranspose / sigmoid with Adam', () => {
    const model = convModel();
    const x = tf.tensor4d(seededValues(6 * 64, 1).map((v) => (v + 1) / 2), [6, 8, 8, 1]);
    const { losses, tensorCounts } = train(
      model,
      x,
      (y) => tf.add(tf.losses.meanSquaredError(x, y), tf.losses.sigmoidCrossEntropy(tf.onesLike(y), y)) as tf.Scalar,
      8,
    );
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    expect(new Set(tensorCounts.slice(1)).size).toBe(1);
    model.dispose();
    x.dispose();
  });

  it('trains an LSTM with a time-distributed tanh dense head with Adam', () => {
    const model = lstmModel();
    const x = tf.tensor3d(seededValues(5 * 6 * 4, 2), [5, 6, 4]);
    const target = tf.tensor3d(seededValues(5 * 6 * 3, 3), [5, 6, 3]);
    const { losses, tensorCounts } = train(model, x, (y) => tf.losses.meanSquaredError(target, y) as tf.Scalar, 8);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    expect(new Set(tensorCounts.slice(1)).size).toBe(1);
    model.dispose();
    tf.dispose([x, target]);
  });
});
