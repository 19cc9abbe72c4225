import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { backendDataIds, seededValues } from './kernel-spec-support';
import { isTrainingKernelRegistered, registerTrainingKernels } from './register-training-kernels';

/** Sums in float64, the reference: x [..., inner] reduced over `axes` (any set). */
function referenceSum(values: ArrayLike<number>, shape: number[], axes: number[]): number[] {
  const strides = tf.util.computeStrides(shape);
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outSize = kept.reduce((n, i) => n * shape[i], 1);
  const out = new Float64Array(outSize);
  for (let flat = 0; flat < values.length; flat++) {
    let o = 0;
    for (const i of kept) o = o * shape[i] + Math.floor((strides[i] === undefined ? flat : flat / strides[i]) % shape[i]);
    out[o] += values[flat];
  }
  return Array.from(out);
}

function maxRelativeError(actual: ArrayLike<number>, expected: readonly number[]): number {
  const scale = Math.max(...expected.map(Math.abs), 1e-30);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / scale);
  return worst;
}

describe('WASM Sum over leading axes by average pooling', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    registerTrainingKernels('wasm');
  });

  it('replaces the stock kernel', () => {
    expect(isTrainingKernelRegistered('Sum', 'wasm')).toBe(true);
  });

  // [shape, axis, keepDims]: bias-gradient reductions (pooled), and others (stock).
  const CASES: ReadonlyArray<[number[], number | number[], boolean]> = [
    [[64, 14, 14, 32], [0, 1, 2], false],
    [[7, 5, 3, 16], [0, 1, 2], true],
    [[64, 3136], 0, false],
    [[3, 5, 40], [1, 0], false],
    [[2, 3, 4, 9], [-4, -3], true],
    [[200, 3], 0, false], // few sums: stock
    [[5, 6, 7], [1, 2], false], // trailing axes: stock
    [[5, 6, 7], [0, 2], false], // not leading: stock
    [[4, 9], [0, 1], false], // everything: stock
    [[1, 10], 0, false], // a single term: stock
  ];
  it.each(CASES)('sums %j over axis %j (keepDims %s) like a float64 sum', (shape, axis, keepDims) => {
    const values = seededValues(shape.reduce((a, b) => a * b, 1), shape.length * 13 + shape[0]);
    const x = tf.tensor(values, shape);
    const sum = tf.sum(x, axis, keepDims);
    const axes = tf.util.parseAxisParam(axis, shape);
    const expectedShape = keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
    expect(sum.shape).toEqual(expectedShape);
    expect(maxRelativeError(sum.dataSync(), referenceSum(values, shape, axes))).toBeLessThan(1e-5); // float32 accumulation of 12,544 terms
    tf.dispose([x, sum]);
  });

  it('sums int32 tensors exactly (through the stock kernel)', () => {
    const x = tf.tensor2d(Int32Array.from({ length: 40 }, (_, i) => i * 1000 - 7), [4, 10], 'int32');
    const sum = tf.sum(x, 0);
    expect(sum.dtype).toBe('int32');
    expect(Array.from(sum.dataSync())).toEqual(Array.from({ length: 10 }, (_, j) => 4 * (j * 1000 - 7) + 1000 * 10 * 6));
    tf.dispose([x, sum]);
  });

  it('gives the bias gradient of a convolution layer', () => {
    const dy = tf.tensor4d(seededValues(8 * 6 * 6 * 16, 5), [8, 6, 6, 16]);
    const bias = tf.zeros([16]);
    const grad = tf.grad((b: tf.Tensor) => tf.sum(tf.mul(tf.add(tf.zeros([8, 6, 6, 16]), b), dy)))(bias);
    const expected = referenceSum(dy.dataSync(), [8, 6, 6, 16], [0, 1, 2]);
    expect(maxRelativeError(grad.dataSync(), expected)).toBeLessThan(1e-6);
    tf.dispose([dy, bias, grad]);
  });

  it('leaks no WASM buffers', () => {
    const x = tf.tensor(seededValues(64 * 7 * 7 * 64, 4), [64, 7, 7, 64]);
    const step = () => tf.tidy(() => [tf.sum(x, [0, 1, 2]), tf.sum(x, [0, 1], true), tf.sum(x, 3)]);
    tf.dispose(step());
    const tensors = tf.memory().numTensors;
    const ids = backendDataIds();
    for (let i = 0; i < 3; i++) tf.dispose(step());
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendDataIds()).toBe(ids);
    x.dispose();
  });
});
