import * as tf from '@tensorflow/tfjs';
import { relativeError } from '../testing/model-checks';
import { useTestBackend } from '../testing/test-backend';
import { resolveDcganOptions } from './dcgan-options';
import { buildDiscriminator, buildGenerator } from './dcgan-networks';
import { leakyReluByStep } from './leaky-relu-by-step';
import { trainingForward } from './training-forward';

/** Deterministic values in [-scale, scale). */
function values(count: number, seed: number, scale = 1): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32 - 0.5) * 2 * scale;
  });
}

/** Values and gradients (w.r.t. every trainable variable) of sum(f(x)·r). */
function valueAndGrads(network: tf.Sequential, f: () => tf.Tensor, r: tf.Tensor) {
  const vars = network.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(f(), r)) as tf.Scalar, vars);
  const result = { value: value.dataSync()[0], grads: vars.map((v) => grads[v.name].dataSync()) };
  tf.dispose([value, Object.values(grads)]);
  return result;
}

describe('trainingForward', () => {
  beforeAll(async () => {
    await useTestBackend();
  });

  it('computes leakyReLU and its gradient exactly as tf.leakyRelu does', () => {
    const x = tf.tensor1d([-3, -0.5, -0, 0, 1e-30, 0.25, 7, -1e-30]);
    const dy = tf.tensor1d(values(8, 3));
    const expected = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(t, 0.2), dy)));
    const actual = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(leakyReluByStep(t, 0.2), dy)));
    const [yA, yE, gA, gE] = tf.tidy(() => [leakyReluByStep(x, 0.2), tf.leakyRelu(x, 0.2), actual(x), expected(x)]);
    expect(Array.from(yA.dataSync())).toEqual(Array.from(yE.dataSync()));
    expect(Array.from(gA.dataSync())).toEqual(Array.from(gE.dataSync()));
    tf.dispose([x, dy, yA, yE, gA, gE]);
  });

  it.each([[[12, 8, 1]], [[8, 8, 3]]] as const)(
    "gives the DCGAN networks' outputs and weight gradients at %j",
    (shape) => {
      const config = resolveDcganOptions({ imageShape: [...shape], latentDim: 10, seed: 5 });
      const generator = buildGenerator(config);
      const discriminator = buildDiscriminator(config);
      const z = tf.tensor2d(values(3 * 10, 1, 2), [3, 10]);
      const images = tf.tensor4d(values(3 * shape[0] * shape[1] * shape[2], 2), [3, ...shape]);
      const rImages = tf.tensor4d(values(3 * shape[0] * shape[1] * shape[2], 4), [3, ...shape]);
      const rLogits = tf.tensor2d(values(3, 6), [3, 1]);
      const cases: Array<[tf.Sequential, tf.Tensor, tf.Tensor]> = [
        [generator, z, rImages],
        [discriminator, images, rLogits],
      ];
      for (const [network, input, r] of cases) {
        const expected = valueAndGrads(network, () => network.apply(input, { training: true }) as tf.Tensor, r);
        const tensors = tf.memory().numTensors;
        const actual = valueAndGrads(network, () => trainingForward(network, input), r);
        expect(tf.memory().numTensors).toBe(tensors);
        expect(Math.abs(actual.value - expected.value)).toBeLessThan(1e-5 * Math.abs(expected.value));
        actual.grads.forEach((g, i) => expect(relativeError(g, expected.grads[i])).toBeLessThan(1e-5));
      }
      tf.dispose([z, images, rImages, rLogits]);
      generator.dispose();
      discriminator.dispose();
    },
  );
});
