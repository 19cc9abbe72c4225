import * as tf from '@tensorflow/tfjs';
import { relativeError } from '../testing/model-checks';
import { useTestBackend } from '../testing/test-backend';
import { LSTM_FORWARD_KERNEL } from '../kernels/wasm-lstm-sequence';
import { lstmSequence } from './lstm-sequence';

/** Deterministic values in [-scale, scale). */
function values(count: number, seed: number, scale = 1): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32 - 0.5) * 2 * scale;
  });
}

interface Case {
  steps: number;
  count: number;
  inputSize: number;
  units: number;
}

/**
 * A tf.layers.lstm as RowLstm builds it (logistic recurrent activation,
 * every step's output), with random weights large enough to reach the
 * saturated ends of the gates.
 */
function layerAndWeights({ inputSize, units }: Case, seed: number) {
  const layer = tf.layers.lstm({ units, returnSequences: true, recurrentActivation: 'sigmoid', inputShape: [null, inputSize] });
  tf.dispose(layer.apply(tf.zeros([1, 1, inputSize])) as tf.Tensor); // builds the weights
  const weights = [
    tf.variable(tf.tensor2d(values(inputSize * 4 * units, seed, 0.8), [inputSize, 4 * units])),
    tf.variable(tf.tensor2d(values(units * 4 * units, seed + 1, 0.6), [units, 4 * units])),
    tf.variable(tf.tensor1d(values(4 * units, seed + 2, 0.5))),
  ];
  layer.setWeights(weights);
  const [kernel, recurrentKernel, bias] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  tf.dispose(weights);
  return { layer, kernel, recurrentKernel, bias };
}

describe('lstmSequence', () => {
  beforeAll(async () => {
    await useTestBackend();
  });

  const CASES: readonly Case[] = [
    { steps: 5, count: 3, inputSize: 4, units: 6 },
    { steps: 1, count: 2, inputSize: 3, units: 2 },
    { steps: 9, count: 4, inputSize: 7, units: 16 },
  ];

  it.each(CASES)('matches tf.layers.lstm outputs and weight gradients: %j', (c) => {
    const { layer, kernel, recurrentKernel, bias } = layerAndWeights(c, c.units);
    const x = tf.tensor3d(values(c.steps * c.count * c.inputSize, 7, 2), [c.count, c.steps, c.inputSize]);
    const r = tf.tensor3d(values(c.steps * c.count * c.units, 8), [c.count, c.steps, c.units]);
    const vars = [kernel, recurrentKernel, bias];
    // The layer reads batch-major sequences, lstmSequence time-major ones.
    const layerLoss = () => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, r)) as tf.Scalar;
    const fastLoss = () =>
      tf.sum(tf.mul(lstmSequence(x.transpose([1, 0, 2]), { kernel, recurrentKernel, bias }), r.transpose([1, 0, 2]))) as tf.Scalar;
    const expected = tf.variableGrads(layerLoss, vars);
    const tensors = tf.memory().numTensors;
    const actual = tf.variableGrads(fastLoss, vars);
    expect(tf.memory().numTensors).toBe(tensors + 4); // the value and three gradients, nothing else
    expect(Math.abs(actual.value.dataSync()[0] - expected.value.dataSync()[0])).toBeLessThan(
      1e-5 * Math.abs(expected.value.dataSync()[0]),
    );
    for (const v of vars) {
      expect(relativeError(actual.grads[v.name].dataSync(), expected.grads[v.name].dataSync())).toBeLessThan(1e-5);
    }
    const outputs = tf.tidy(() => [lstmSequence(x.transpose([1, 0, 2]), { kernel, recurrentKernel, bias }).transpose([1, 0, 2]), layer.apply(x) as tf.Tensor]);
    expect(relativeError(outputs[0].dataSync(), outputs[1].dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, r, outputs, actual.value, expected.value, Object.values(actual.grads), Object.values(expected.grads)]);
    layer.dispose();
  });

  // The fused kernels exist on WASM only; under GANGLION_TEST_BACKEND=cpu both runs would take the op path.
  const onWasm = (process.env['GANGLION_TEST_BACKEND'] ?? 'wasm') === 'wasm' ? it : it.skip;
  onWasm('gives the same outputs and gradients through the fused WASM kernels as op by op (the cpu backend has no fused kernels)', async () => {
    const backend = tf.getBackend();
    const c = CASES[2];
    const run = () => {
      const { layer, kernel, recurrentKernel, bias } = layerAndWeights(c, 11);
      const x = tf.tensor3d(values(c.steps * c.count * c.inputSize, 9, 2), [c.steps, c.count, c.inputSize]);
      const r = tf.tensor3d(values(c.steps * c.count * c.units, 10), [c.steps, c.count, c.units]);
      const weights = { kernel, recurrentKernel, bias };
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(lstmSequence(x, weights), r)) as tf.Scalar, [kernel, recurrentKernel, bias]);
      const result = [value, ...[kernel, recurrentKernel, bias].map((v) => grads[v.name])].map((t) => t.dataSync().slice());
      const outputs = tf.tidy(() => lstmSequence(x, weights).dataSync().slice());
      tf.dispose([x, r, value, Object.values(grads)]);
      layer.dispose();
      return [outputs, ...result];
    };
    expect(tf.getKernel(LSTM_FORWARD_KERNEL, backend)).toBeDefined();
    const fused = run();
    try {
      await tf.setBackend('cpu');
      expect(tf.getKernel(LSTM_FORWARD_KERNEL, 'cpu')).toBeUndefined();
      const byOps = run();
      byOps.forEach((expected, i) => expect(relativeError(fused[i], expected)).toBeLessThan(1e-5));
    } finally {
      await tf.setBackend(backend);
    }
  });

  it('treats x as data: only the weights get gradients', () => {
    const c = CASES[0];
    const { layer, kernel, recurrentKernel, bias } = layerAndWeights(c, 3);
    const x = tf.variable(tf.tensor3d(values(c.steps * c.count * c.inputSize, 5), [c.steps, c.count, c.inputSize]));
    const { grads, value } = tf.variableGrads(() => tf.sum(lstmSequence(x, { kernel, recurrentKernel, bias })) as tf.Scalar);
    expect(Object.keys(grads).sort()).toEqual([kernel.name, recurrentKernel.name, bias.name].sort());
    tf.dispose([x, value, Object.values(grads)]);
    layer.dispose();
  });

  it('refuses weights that do not fit the input, naming the shapes', () => {
    const x = tf.zeros([3, 2, 4]) as tf.Tensor3D;
    const kernel = tf.zeros([5, 8]);
    const recurrentKernel = tf.zeros([2, 8]);
    const bias = tf.zeros([8]);
    expect(() => lstmSequence(x, { kernel, recurrentKernel, bias })).toThrow(/x \[3,2,4\], kernel \[5,8\]/);
    tf.dispose([x, kernel, recurrentKernel, bias]);
  });
});
