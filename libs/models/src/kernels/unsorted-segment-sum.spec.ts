import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { backendDataIds, seededValues } from './kernel-spec-support';
import { relativeError } from './reference-kernels';
import { isTrainingKernelRegistered, registerTrainingKernels } from './register-training-kernels';

/** Plain-loop reference: out[ids[i], :] += x[i, :], dropping out-of-range ids. */
function reference(x: ArrayLike<number>, ids: number[], inner: number, numSegments: number): Float64Array {
  const out = new Float64Array(numSegments * inner);
  ids.forEach((id, i) => {
    if (id < 0 || id >= numSegments) return;
    for (let k = 0; k < inner; k++) out[id * inner + k] += x[i * inner + k];
  });
  return out;
}

describe.each(['wasm', 'cpu'])('UnsortedSegmentSum on %s', (backend) => {
  beforeAll(async () => {
    expect(await tf.setBackend(backend)).toBe(true);
    registerTrainingKernels(backend);
  });

  it('is Ganglion’s kernel', () => {
    expect(isTrainingKernelRegistered('UnsortedSegmentSum', backend)).toBe(true);
  });

  it('sums rows into segments, dropping ids outside [0, numSegments)', () => {
    const ids = [2, 0, 2, 5, -1, 1, 0];
    const x = tf.tensor3d(seededValues(7 * 3 * 4, 1), [7, 3, 4]);
    const out = tf.unsortedSegmentSum(x, tf.tensor1d(ids, 'int32'), 4);
    expect(out.shape).toEqual([4, 3, 4]);
    expect(relativeError(out.dataSync(), reference(x.dataSync(), ids, 12, 4))).toBeLessThan(1e-6);
    const ints = tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4], 'int32'), tf.tensor1d([1, 1, 0, 1], 'int32'), 2);
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual([3, 7]);
  });

  it('gives tf.gather a gradient (an embedding lookup trains)', () => {
    const table = tf.tensor2d(seededValues(5 * 3, 2), [5, 3]);
    const indices = tf.tensor1d([4, 0, 4, 2], 'int32');
    const weights = tf.tensor2d(seededValues(4 * 3, 3), [4, 3]);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, indices), weights)))(table);
    const w = weights.arraySync();
    const expected = [
      w[1],
      [0, 0, 0],
      w[3],
      [0, 0, 0],
      w[0].map((v, k) => v + w[2][k]),
    ];
    expect(relativeError(grad.dataSync(), expected.flat())).toBeLessThan(1e-6);
    tf.dispose([table, indices, weights, grad]);
  });

  it('leaks nothing', () => {
    const x = tf.tensor2d(seededValues(50 * 8, 4), [50, 8]);
    const ids = tf.tensor1d(Array.from({ length: 50 }, (_, i) => i % 7), 'int32');
    tf.unsortedSegmentSum(x, ids, 7).dispose();
    const tensors = tf.memory().numTensors;
    const dataIds = backendDataIds();
    for (let i = 0; i < 3; i++) tf.unsortedSegmentSum(x, ids, 7).dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendDataIds()).toBe(dataIds);
    tf.dispose([x, ids]);
  });
});
