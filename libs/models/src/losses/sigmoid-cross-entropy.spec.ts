import * as tf from '@tensorflow/tfjs';
import { sigmoidCrossEntropyWithLogits } from './sigmoid-cross-entropy';

describe('sigmoidCrossEntropyWithLogits', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('equals -z log(sigmoid x) - (1 - z) log(1 - sigmoid x) for moderate logits and soft labels', () => {
    const x = [-3, -0.5, 0, 0.7, 2.5];
    const z = [0, 0.25, 1, 0.5, 1];
    const actual = tf.tidy(() => sigmoidCrossEntropyWithLogits(tf.tensor1d(x), tf.tensor1d(z)).arraySync()) as number[];
    x.forEach((xi, i) => {
      const p = 1 / (1 + Math.exp(-xi));
      expect(actual[i]).toBeCloseTo(-z[i] * Math.log(p) - (1 - z[i]) * Math.log(1 - p), 5);
    });
  });

  it('stays finite and exact for logits where the naive formula hits log(0)', () => {
    const actual = tf.tidy(() =>
      sigmoidCrossEntropyWithLogits(tf.tensor1d([200, -200, 200]), tf.tensor1d([0, 1, 1])).arraySync(),
    ) as number[];
    expect(actual[0]).toBeCloseTo(200, 3);
    expect(actual[1]).toBeCloseTo(200, 3);
    expect(actual[2]).toBeCloseTo(0, 6);
  });

  it('takes a constant label and leaks no tensors', () => {
    const logits = tf.tensor1d([0, 1]);
    const before = tf.memory().numTensors;
    const loss = sigmoidCrossEntropyWithLogits(logits, 1);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(loss.dataSync()[0]).toBeCloseTo(Math.log(2), 6);
    tf.dispose([logits, loss]);
  });
});
