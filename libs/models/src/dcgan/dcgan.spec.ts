import * as tf from '@tensorflow/tfjs';
import { SYMMETRIC_RANGE } from '@ganglion/data';
import { changedVariables, compareSplitBatch, saveAndLoad, snapshotWeights, trainStep } from '../testing/model-checks';
import { useTestBackend } from '../testing/test-backend';
import { batchOf, patternImages } from '../testing/synthetic-batch';
import { Dcgan } from './dcgan';

const MNIST: [number, number, number] = [28, 28, 1];
const SMALL: [number, number, number] = [8, 8, 1];

describe('Dcgan', () => {
  beforeAll(async () => {
    await useTestBackend(); // WASM with Ganglion's training kernels unless GANGLION_TEST_BACKEND says otherwise
  });

  it('has 1,052,802 parameters at 28x28x1 (G 839,937 + D 212,865)', () => {
    const model = new Dcgan();
    expect(model.parameterCount()).toBe(1_052_802);
    expect(model.generator.countParams()).toBe(839_937);
    expect(model.discriminator.countParams()).toBe(212_865);
    expect(model.generator.outputs[0].shape).toEqual([null, 28, 28, 1]);
    model.dispose();
  });

  it('generalises to 32x32x3 (first feature map 8x8x128)', () => {
    const model = new Dcgan({ imageShape: [32, 32, 3] });
    expect(model.generator.outputs[0].shape).toEqual([null, 32, 32, 3]);
    expect(model.generator.getLayer('generator/dense').outputShape).toEqual([null, 8 * 8 * 128]);
    // G: 100*8192+8192 + 5*5*128*64+64 + 5*5*64*3+3; D: 5*5*3*64+64 + 5*5*64*128+128 + 8192+1.
    expect(model.parameterCount()).toBe(827_392 + 204_864 + 4_803 + 4_864 + 204_928 + 8_193);
    model.dispose();
  });

  it('refuses image sizes that two stride-2 layers cannot produce', () => {
    expect(() => new Dcgan({ imageShape: [30, 30, 1] })).toThrow(/multiples of 4/);
    expect(() => new Dcgan({ latentDim: 0 })).toThrow(/DcganOptions.latentDim/);
    expect(() => new Dcgan({ latentDims: 64 } as never)).toThrow(/Invalid DcganOptions: .*latentDims/);
    expect(() => new Dcgan({ beta1: 1 })).toThrow(/DcganOptions.beta1: must be in \[0, 1\)/);
    expect(Dcgan.optionsSchema.safeParse({ imageShape: [32, 32, 3], seed: 42 }).success).toBe(true);
  });

  it('has two phases, discriminator then generator, with unique stable variable names', () => {
    const model = new Dcgan();
    const again = new Dcgan(); // a second instance: tfjs suffixes its tf.Variable names, ours stay
    const names = (m: Dcgan) => m.phases.map((p) => [p.name, p.variables.map((v) => v.name)]);
    expect(names(model)).toEqual([
      [
        'discriminator',
        [
          'discriminator/conv1/kernel',
          'discriminator/conv1/bias',
          'discriminator/conv2/kernel',
          'discriminator/conv2/bias',
          'discriminator/dense/kernel',
          'discriminator/dense/bias',
        ],
      ],
      [
        'generator',
        [
          'generator/dense/kernel',
          'generator/dense/bias',
          'generator/deconv1/kernel',
          'generator/deconv1/bias',
          'generator/deconv2/kernel',
          'generator/deconv2/bias',
        ],
      ],
    ]);
    expect(names(again)).toEqual(names(model));
    expect(again.phases[0].variables[0].variable.name).not.toBe(model.phases[0].variables[0].variable.name);
    expect(model.phases[0].optimizer).not.toBe(model.phases[1].optimizer);
    expect(Object.keys(model.networks)).toEqual(['generator', 'discriminator']);
    model.dispose();
    again.dispose();
  });

  it('builds identical initial weights from the same seed, different ones from another', () => {
    const a = new Dcgan({ imageShape: SMALL, seed: 3 });
    const b = new Dcgan({ imageShape: SMALL, seed: 3 });
    const c = new Dcgan({ imageShape: SMALL, seed: 4 });
    expect(changedVariables(snapshotWeights(a), snapshotWeights(b))).toEqual([]);
    // Every kernel differs under another seed (biases start at zero either way).
    expect(changedVariables(snapshotWeights(a), snapshotWeights(c))).toEqual([0, 2, 4, 6, 8, 10]);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('computes gradients without touching the weights; applying them does', async () => {
    const model = new Dcgan({ imageShape: MNIST });
    const batch = batchOf(patternImages(2, MNIST, SYMMETRIC_RANGE), [0, 1], 0);
    const before = snapshotWeights(model);
    const results = await Promise.all(model.phases.map((p) => p.computeGradients(batch)));
    expect(changedVariables(before, snapshotWeights(model))).toEqual([]);
    results.forEach((r, i) => {
      expect(Number.isFinite(r.loss)).toBe(true);
      expect(r.gradients.map((g) => g.shape)).toEqual(model.phases[i].variables.map((v) => v.variable.shape));
    });
    // Initial losses are near ln 4 (D: two terms) and ln 2 (G) for an undecided discriminator.
    expect(results[0].loss).toBeGreaterThan(1);
    expect(results[0].loss).toBeLessThan(2);
    expect(results[1].loss).toBeGreaterThan(0.3);
    expect(results[1].loss).toBeLessThan(1.2);
    model.phases[0].applyGradients(results[0].gradients);
    // Every discriminator variable moves; the generator's (6..11) do not.
    expect(changedVariables(before, snapshotWeights(model))).toEqual([0, 1, 2, 3, 4, 5]);
    results.forEach((r) => tf.dispose(r.gradients));
    model.dispose();
  });

  it('refuses gradients of the wrong number or shape', () => {
    const model = new Dcgan({ imageShape: SMALL });
    const wrong = model.phases[1].variables.map((v) => tf.zerosLike(v.variable));
    expect(() => model.phases[0].applyGradients(wrong.slice(0, 2))).toThrow(/6 variables but got 2 gradients/);
    expect(() => model.phases[0].applyGradients(wrong)).toThrow(/discriminator\/conv1\/kernel/);
    tf.dispose(wrong);
    model.dispose();
  });

  it('does not leak tensors across training steps and sampling', async () => {
    const model = new Dcgan({ imageShape: MNIST });
    const batch = (step: number) => batchOf(patternImages(2, MNIST, SYMMETRIC_RANGE), [2 * step, 2 * step + 1], step);
    await trainStep(model, batch(0)); // creates Adam's moment variables
    const tensors = tf.memory().numTensors;
    for (let step = 1; step <= 5; step++) await trainStep(model, batch(step));
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose(model.sample(3, 1));
    expect(tf.memory().numTensors).toBe(tensors);
    model.dispose();
  });

  it('gives the same gradients for a batch of 8 as for two workers with 4 each', async () => {
    const model = new Dcgan({ imageShape: MNIST, seed: 7 });
    const batch = batchOf(patternImages(8, MNIST, SYMMETRIC_RANGE), [40, 3, 17, 8, 99, 5, 61, 12], 11);
    for (const phase of model.phases) {
      const split = await compareSplitBatch(phase, batch, 4);
      expect(split.worstGradientError).toBeLessThan(1e-5);
      expect(split.lossError).toBeLessThan(1e-5);
    }
    model.dispose();
  });

  it('learns in the right direction: each phase alone lowers its own loss on a fixed batch', async () => {
    const model = new Dcgan({ imageShape: MNIST, learningRate: 1e-3 });
    const batch = batchOf(patternImages(4, MNIST, SYMMETRIC_RANGE), [0, 1, 2, 3], 0);
    for (const phase of model.phases) {
      const losses: number[] = [];
      for (let i = 0; i < 10; i++) {
        const { loss, gradients } = await phase.computeGradients(batch);
        phase.applyGradients(gradients);
        tf.dispose(gradients);
        losses.push(loss);
      }
      expect(losses[9]).toBeLessThan(0.8 * losses[0]);
    }
    model.dispose();
  });

  it('draws samples of the image shape in [-1, 1], deterministic in the seed', () => {
    const model = new Dcgan();
    const a = model.sample(4, 5);
    const b = model.sample(4, 5);
    const c = model.sample(4, 6);
    expect(a.shape).toEqual([4, 28, 28, 1]);
    const values = a.dataSync();
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);
    expect(b.dataSync()).toEqual(values);
    expect(c.dataSync()).not.toEqual(values);
    // Different latents give different images within one draw.
    const [first, second] = tf.split(a, 4).map((t) => t.dataSync());
    expect(second).not.toEqual(first);
    tf.dispose([a, b, c]);
    model.dispose();
  });

  it('saves each network as a LayersModel that tf.loadLayersModel restores', async () => {
    const model = new Dcgan({ imageShape: SMALL });
    for (const [name, network] of Object.entries(model.networks)) {
      const loaded = await saveAndLoad(network);
      const input = tf.ones([2, ...(network.inputs[0].shape.slice(1) as number[])]);
      const expected = network.predict(input) as tf.Tensor;
      const actual = loaded.predict(input) as tf.Tensor;
      expect(loaded.name).toBe(name);
      expect(actual.dataSync()).toEqual(expected.dataSync());
      tf.dispose([input, expected, actual]);
      loaded.dispose();
    }
    model.dispose();
  });

  it('returns plain options from getConfig that rebuild the same model', () => {
    const model = new Dcgan({ imageShape: SMALL, seed: 9, learningRate: 1e-3 });
    const config = model.getConfig();
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
    expect(config).toMatchObject({ latentDim: 100, imageShape: [8, 8, 1], learningRate: 1e-3, beta1: 0.5, seed: 9 });
    const rebuilt = new Dcgan(config as never);
    expect(changedVariables(snapshotWeights(model), snapshotWeights(rebuilt))).toEqual([]);
    rebuilt.dispose();
    model.dispose();
  });
});
