import * as tf from '@tensorflow/tfjs';
import { UNIT_RANGE } from '@ganglion/data';
import { applyLayers } from '../apply-layers';
import { sigmoidCrossEntropyWithLogits } from '../losses/sigmoid-cross-entropy';
import {
  changedVariables,
  compareSplitBatch,
  relativeError,
  saveAndLoad,
  snapshotWeights,
  trainStep,
} from '../testing/model-checks';
import { useTestBackend } from '../testing/test-backend';
import { batchOf, entropyFloor, patternImages } from '../testing/synthetic-batch';
import { RowLstm } from './row-lstm';

const MNIST: [number, number, number] = [28, 28, 1];
const indices = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('RowLstm', () => {
  beforeAll(async () => {
    await useTestBackend(); // WASM with Ganglion's training kernels unless GANGLION_TEST_BACKEND says otherwise
  });

  it('has 83,996 parameters at 28x28x1 (LSTM 80,384 with one bias + dense 3,612)', () => {
    const model = new RowLstm();
    expect(model.parameterCount()).toBe(83_996);
    expect(model.network.getLayer('rnn/lstm').countParams()).toBe(80_384);
    expect(model.network.getLayer('rnn/dense').countParams()).toBe(3_612);
    model.dispose();
  });

  it('reads 32x32x3 images as 32 rows of 96 values', () => {
    const model = new RowLstm({ imageShape: [32, 32, 3] });
    expect(model.network.inputs[0].shape).toEqual([null, null, 96]);
    expect(model.parameterCount()).toBe(4 * 128 * (96 + 128) + 4 * 128 + 128 * 96 + 96);
    model.dispose();
  });

  it('refuses bad options, naming the field', () => {
    expect(() => new RowLstm({ units: 0 })).toThrow(/RowLstmOptions.units/);
    expect(() => new RowLstm({ sampleMode: 'argmax' as never })).toThrow(/RowLstmOptions.sampleMode/);
  });

  it('has one phase with unique stable variable names', () => {
    const model = new RowLstm();
    expect(model.phases.map((p) => p.name)).toEqual(['rnn']);
    expect(model.phases[0].variables.map((v) => v.name)).toEqual([
      'rnn/lstm/kernel',
      'rnn/lstm/recurrent_kernel',
      'rnn/lstm/bias',
      'rnn/dense/kernel',
      'rnn/dense/bias',
    ]);
    expect(Object.keys(model.networks)).toEqual(['rnn']);
    model.dispose();
  });

  it('predicts row t from rows 0..t-1 only', () => {
    const model = new RowLstm();
    const images = patternImages(2, MNIST, UNIT_RANGE);
    const changed = images.slice();
    changed.fill(1, 10 * 28, 11 * 28); // row 10 of the first image
    const [before, after] = [images, changed].map((data) =>
      tf.tidy(() => model.predictRows(tf.tensor4d(data, [2, ...MNIST])).arraySync()),
    );
    expect(after[0].slice(0, 11)).toEqual(before[0].slice(0, 11)); // rows 0..10 do not see row 10
    expect(after[0][11]).not.toEqual(before[0][11]); // row 11 does
    expect(after[1]).toEqual(before[1]); // the other image is independent
    model.dispose();
  });

  it('computes gradients without touching the weights; applying them does', async () => {
    const model = new RowLstm();
    const images = patternImages(4, MNIST, UNIT_RANGE);
    const batch = batchOf(images, indices(0, 4), 0);
    const before = snapshotWeights(model);
    const { loss, gradients } = await model.phases[0].computeGradients(batch);
    expect(changedVariables(before, snapshotWeights(model))).toEqual([]);
    // The loss is the per-image summed BCE of the teacher-forced predictions, averaged over images.
    const expected = tf.tidy(() => {
      const x = tf.tensor4d(images, [4, ...MNIST]);
      const p = model.predictRows(x).clipByValue(1e-7, 1 - 1e-7);
      const targets = x.reshape(p.shape);
      const bce = targets.mul(p.log()).add(tf.scalar(1).sub(targets).mul(tf.scalar(1).sub(p).log())).neg();
      return bce.sum().div(4).dataSync()[0];
    });
    expect(loss).toBeCloseTo(expected, 2);
    model.phases[0].applyGradients(gradients);
    expect(changedVariables(before, snapshotWeights(model))).toEqual(indices(0, 5));
    tf.dispose(gradients);
    model.dispose();
  });

  it('trains with the same loss and gradients as running its layers (the hand-written LSTM is exact)', async () => {
    const model = new RowLstm({ seed: 4, units: 24, imageShape: [10, 6, 2] });
    const images = patternImages(5, [10, 6, 2], UNIT_RANGE);
    const batch = batchOf(images, indices(0, 5), 0);
    const layersLoss = () => {
      // The layer path: rows shifted down one, every layer but the final sigmoid, summed BCE per image.
      const rows = tf.tensor3d(images, [5, 10, 12]);
      const shifted = tf.concat([tf.zeros([5, 1, 12]), rows.slice([0, 0, 0], [5, 9, 12])], 1);
      const logits = applyLayers(model.network, shifted, model.network.layers.length - 1, true);
      return tf.sum(sigmoidCrossEntropyWithLogits(logits, rows)).div(5) as tf.Scalar;
    };
    const variables = model.phases[0].variables.map((v) => v.variable);
    const expected = tf.variableGrads(layersLoss, variables);
    const actual = await model.phases[0].computeGradients(batch);
    const expectedLoss = expected.value.dataSync()[0];
    expect(Math.abs(actual.loss - expectedLoss) / expectedLoss).toBeLessThan(1e-5);
    variables.forEach((v, i) => {
      expect(relativeError(actual.gradients[i].dataSync(), expected.grads[v.name].dataSync())).toBeLessThan(1e-5);
    });
    tf.dispose([expected.value, Object.values(expected.grads), actual.gradients]);
    model.dispose();
  });

  it('does not leak tensors across training steps and sampling', async () => {
    const model = new RowLstm();
    const images = patternImages(2, MNIST, UNIT_RANGE);
    await trainStep(model, batchOf(images, [0, 1], 0)); // creates Adam's moment variables
    const tensors = tf.memory().numTensors;
    for (let step = 1; step <= 5; step++) await trainStep(model, batchOf(images, [2 * step, 2 * step + 1], step));
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose(model.sample(3, 1));
    tf.dispose(model.sample(3, 1, 'mean'));
    expect(tf.memory().numTensors).toBe(tensors);
    model.dispose();
  });

  it('gives the same gradients for a batch of 8 as for two workers with 4 each', async () => {
    const model = new RowLstm({ seed: 7 });
    const batch = batchOf(patternImages(8, MNIST, UNIT_RANGE), [40, 3, 17, 8, 99, 5, 61, 12], 11);
    const split = await compareSplitBatch(model.phases[0], batch, 4);
    expect(split.worstGradientError).toBeLessThan(1e-5);
    expect(split.lossError).toBeLessThan(1e-5);
    model.dispose();
  });

  it('lowers its loss over 50 steps on a fixed batch of structured images', async () => {
    const model = new RowLstm();
    const images = patternImages(8, MNIST, UNIT_RANGE);
    const losses: number[] = [];
    for (let step = 0; step < 50; step++) losses.push((await trainStep(model, batchOf(images, indices(0, 8), step)))[0]);
    // Compare the excess over the entropy of the soft targets, which no model can go below.
    const excess = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length - entropyFloor(images, 8);
    expect(excess(losses.slice(-5))).toBeLessThan(0.6 * excess(losses.slice(0, 5)));
    model.dispose();
  });

  it('draws binary samples row by row, different per image and per seed, repeatable per seed', () => {
    const model = new RowLstm();
    const a = model.sample(4, 5);
    const b = model.sample(4, 5);
    const c = model.sample(4, 6);
    expect(a.shape).toEqual([4, 28, 28, 1]);
    const values = a.dataSync();
    expect(values.every((v) => v === 0 || v === 1)).toBe(true);
    expect(values.some((v) => v === 1)).toBe(true);
    expect(b.dataSync()).toEqual(values);
    expect(c.dataSync()).not.toEqual(values);
    const [first, second] = tf.split(a, 4).map((t) => t.dataSync());
    expect(second).not.toEqual(first);
    tf.dispose([a, b, c]);
    model.dispose();
  });

  it("in 'mean' mode writes each row's predicted probabilities, as the full network computes them", () => {
    const model = new RowLstm({ sampleMode: 'mean' });
    const image = model.sample(2, 1);
    // Stepping the cell row by row agrees with running the layer over the finished image.
    const rows = model.predictRows(image);
    let worst = 0;
    const [x, y] = [image.dataSync(), rows.dataSync()];
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
    expect(worst).toBeLessThan(1e-5);
    expect(Math.min(...x)).toBeGreaterThan(0);
    expect(Math.max(...x)).toBeLessThan(1);
    tf.dispose([image, rows]);
    model.dispose();
  });

  it('saves its network as a LayersModel that tf.loadLayersModel restores', async () => {
    const model = new RowLstm();
    const loaded = await saveAndLoad(model.network);
    const input = tf.ones([2, 28, 28]);
    const expected = model.network.predict(input) as tf.Tensor;
    const actual = loaded.predict(input) as tf.Tensor;
    expect(loaded.name).toBe('rnn');
    expect(actual.dataSync()).toEqual(expected.dataSync());
    tf.dispose([input, expected, actual]);
    loaded.dispose();
    model.dispose();
  });

  it('returns plain options from getConfig that rebuild the same model', () => {
    const model = new RowLstm({ seed: 2, units: 32 });
    const config = model.getConfig();
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
    expect(config).toMatchObject({ units: 32, imageShape: [28, 28, 1], sampleMode: 'bernoulli', seed: 2 });
    const rebuilt = new RowLstm(config as never);
    expect(changedVariables(snapshotWeights(model), snapshotWeights(rebuilt))).toEqual([]);
    rebuilt.dispose();
    model.dispose();
  });
});
