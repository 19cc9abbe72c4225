import * as tf from '@tensorflow/tfjs';
import { UNIT_RANGE } from '@ganglion/data';
import { changedVariables, compareSplitBatch, saveAndLoad, snapshotWeights, trainStep } from '../testing/model-checks';
import { useTestBackend } from '../testing/test-backend';
import { batchOf, entropyFloor, patternImages } from '../testing/synthetic-batch';
import { ConvVae } from './conv-vae';

const MNIST: [number, number, number] = [28, 28, 1];
const indices = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('ConvVae', () => {
  beforeAll(async () => {
    await useTestBackend(); // WASM with Ganglion's training kernels unless GANGLION_TEST_BACKEND says otherwise
  });

  it('has 191,265 parameters at 28x28x1 (encoder 119,200 + decoder 72,065)', () => {
    const model = new ConvVae();
    expect(model.parameterCount()).toBe(191_265);
    expect(model.encoder.countParams()).toBe(119_200);
    expect(model.decoder.countParams()).toBe(72_065);
    expect(model.encoder.outputs.map((o) => o.shape)).toEqual([
      [null, 16],
      [null, 16],
    ]);
    expect(model.decoder.outputs[0].shape).toEqual([null, 28, 28, 1]);
    model.dispose();
  });

  it('generalises to 32x32x3 (decoder starts at 8x8x64)', () => {
    const model = new ConvVae({ imageShape: [32, 32, 3] });
    expect(model.decoder.outputs[0].shape).toEqual([null, 32, 32, 3]);
    expect(model.decoder.getLayer('decoder/reshape').outputShape).toEqual([null, 8, 8, 64]);
    // Encoder: 896 + 18,496 + 2 * (4096*16+16); decoder: 16*4096+4096 + 18,464 + 3*3*32*3+3.
    expect(model.parameterCount()).toBe(896 + 18_496 + 2 * 65_552 + 69_632 + 18_464 + 867);
    model.dispose();
  });

  it('refuses bad options, naming the field', () => {
    expect(() => new ConvVae({ imageShape: [28, 30, 1] })).toThrow(/ConvVaeOptions.imageShape.*multiples of 4/);
    expect(() => new ConvVae({ learningRate: -1 })).toThrow(/ConvVaeOptions.learningRate/);
  });

  it('has one phase with unique stable variable names', () => {
    const model = new ConvVae();
    expect(model.phases.map((p) => p.name)).toEqual(['vae']);
    expect(model.phases[0].variables.map((v) => v.name)).toEqual([
      'encoder/conv1/kernel',
      'encoder/conv1/bias',
      'encoder/conv2/kernel',
      'encoder/conv2/bias',
      'encoder/mu/kernel',
      'encoder/mu/bias',
      'encoder/log_var/kernel',
      'encoder/log_var/bias',
      'decoder/dense/kernel',
      'decoder/dense/bias',
      'decoder/deconv1/kernel',
      'decoder/deconv1/bias',
      'decoder/deconv2/kernel',
      'decoder/deconv2/bias',
    ]);
    expect(Object.keys(model.networks)).toEqual(['encoder', 'decoder']);
    model.dispose();
  });

  it('computes gradients without touching the weights; applying them does', async () => {
    const model = new ConvVae();
    const batch = batchOf(patternImages(4, MNIST, UNIT_RANGE), indices(0, 4), 0);
    const before = snapshotWeights(model);
    const { loss, gradients } = await model.phases[0].computeGradients(batch);
    expect(changedVariables(before, snapshotWeights(model))).toEqual([]);
    // Untrained: about 784 * ln 2 nats of reconstruction per image, plus a little KL.
    expect(loss).toBeGreaterThan(400);
    expect(loss).toBeLessThan(700);
    model.phases[0].applyGradients(gradients);
    expect(changedVariables(before, snapshotWeights(model))).toEqual(indices(0, 14));
    tf.dispose(gradients);
    model.dispose();
  });

  it('keys epsilon by (step, global sample index), not by position in the batch', async () => {
    const model = new ConvVae({ seed: 5 });
    const images = patternImages(4, MNIST, UNIT_RANGE);
    const pixels = 28 * 28;
    const loss = async (b: ReturnType<typeof batchOf>) => {
      const result = await model.phases[0].computeGradients(b);
      tf.dispose(result.gradients);
      return result.loss;
    };
    const base = await loss(batchOf(images, [10, 11, 12, 13], 3));
    // The same images and indices in reverse order: the same noise per image, so the same mean loss.
    const reversed = new Float32Array(images.length);
    for (let i = 0; i < 4; i++) reversed.set(images.subarray((3 - i) * pixels, (4 - i) * pixels), i * pixels);
    expect(await loss(batchOf(reversed, [13, 12, 11, 10], 3))).toBeCloseTo(base, 3);
    expect(await loss(batchOf(images, [10, 11, 12, 13], 3))).toBe(base);
    expect(await loss(batchOf(images, [10, 11, 12, 13], 4))).not.toBe(base);
    expect(await loss(batchOf(images, [20, 21, 22, 23], 3))).not.toBe(base);
    model.dispose();
  });

  it('does not leak tensors across training steps and sampling', async () => {
    const model = new ConvVae();
    const images = patternImages(2, MNIST, UNIT_RANGE);
    await trainStep(model, batchOf(images, [0, 1], 0)); // creates Adam's moment variables
    const tensors = tf.memory().numTensors;
    for (let step = 1; step <= 5; step++) await trainStep(model, batchOf(images, [2 * step, 2 * step + 1], step));
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose(model.sample(3, 1));
    expect(tf.memory().numTensors).toBe(tensors);
    model.dispose();
  });

  it('gives the same gradients for a batch of 8 as for two workers with 4 each', async () => {
    const model = new ConvVae({ seed: 7 });
    const batch = batchOf(patternImages(8, MNIST, UNIT_RANGE), [40, 3, 17, 8, 99, 5, 61, 12], 11);
    const split = await compareSplitBatch(model.phases[0], batch, 4);
    expect(split.worstGradientError).toBeLessThan(1e-5);
    expect(split.lossError).toBeLessThan(1e-5);
    model.dispose();
  });

  it('lowers its loss over 50 steps on a fixed batch of structured images', async () => {
    const model = new ConvVae();
    const images = patternImages(8, MNIST, UNIT_RANGE);
    const losses: number[] = [];
    for (let step = 0; step < 50; step++) losses.push((await trainStep(model, batchOf(images, indices(0, 8), step)))[0]);
    // Compare the excess over the entropy of the soft targets, which no model can go below.
    const excess = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length - entropyFloor(images, 8);
    expect(excess(losses.slice(-5))).toBeLessThan(0.7 * excess(losses.slice(0, 5)));
    model.dispose();
  });

  it('draws pixel probabilities of the image shape in [0, 1], deterministic in the seed', () => {
    const model = new ConvVae();
    const a = model.sample(4, 5);
    const b = model.sample(4, 5);
    const c = model.sample(4, 6);
    expect(a.shape).toEqual([4, 28, 28, 1]);
    const values = a.dataSync();
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);
    expect(b.dataSync()).toEqual(values);
    expect(c.dataSync()).not.toEqual(values);
    tf.dispose([a, b, c]);
    model.dispose();
  });

  it('saves the encoder (two outputs) and the decoder as LayersModels that tf.loadLayersModel restores', async () => {
    const model = new ConvVae();
    for (const [name, network] of Object.entries(model.networks)) {
      const loaded = await saveAndLoad(network);
      const input = tf.ones([2, ...(network.inputs[0].shape.slice(1) as number[])]);
      const expected = [network.predict(input)].flat() as tf.Tensor[];
      const actual = [loaded.predict(input)].flat() as tf.Tensor[];
      expect(loaded.name).toBe(name);
      expect(actual.length).toBe(expected.length);
      actual.forEach((t, i) => expect(t.dataSync()).toEqual(expected[i].dataSync()));
      tf.dispose([input, ...expected, ...actual]);
      loaded.dispose();
    }
    model.dispose();
  });

  it('returns plain options from getConfig that rebuild the same model', () => {
    const model = new ConvVae({ seed: 2, latentDim: 8 });
    const config = model.getConfig();
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
    expect(config).toMatchObject({ latentDim: 8, imageShape: [28, 28, 1], learningRate: 1e-3, seed: 2 });
    const rebuilt = new ConvVae(config as never);
    expect(changedVariables(snapshotWeights(model), snapshotWeights(rebuilt))).toEqual([]);
    rebuilt.dispose();
    model.dispose();
  });
});
