import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { seededValues } from './kernel-spec-support';
import { relativeError } from './reference-kernels';
import { isTrainingKernelRegistered, registerTrainingKernels } from './register-training-kernels';

// Error measure throughout: max|got − ref| / max|ref|.
const TOLERANCE = 1e-5;

/** Gradients of a scalar loss w.r.t. its inputs, as plain arrays, on one backend. */
async function gradsOn(
  backend: string,
  inputs: ReadonlyArray<{ values: Float32Array; shape: number[] }>,
  loss: (...xs: tf.Tensor[]) => tf.Scalar,
): Promise<Float32Array[]> {
  expect(await tf.setBackend(backend)).toBe(true);
  return tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.values, i.shape));
    const grads = tf.grads((...args: tf.Tensor[]) => loss(...args))(xs);
    return grads.map((g) => g.dataSync() as Float32Array);
  });
}

function input(shape: number[], seed: number): { values: Float32Array; shape: number[] } {
  return { values: seededValues(shape.reduce((a, b) => a * b, 1), seed), shape };
}

describe('registerTrainingKernels', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
  });

  it('registers the WASM training kernels and is idempotent', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    const names = registerTrainingKernels('wasm');
    expect(names).toEqual([
      'Conv2DBackpropFilter',
      'Conv2DBackpropInput',
      'BatchMatMul',
      '_FusedMatMul',
      'Slice',
      'Unpack',
      'SplitV',
      'Concat',
      'Identity',
      'Cast',
      'Sum',
      'UnsortedSegmentSum',
      'GanglionLstmForward',
      'GanglionLstmBackward',
    ]);
    expect(() => registerTrainingKernels('wasm')).not.toThrow();
    expect(registerTrainingKernels('wasm')).toEqual(names);
    for (const name of names) expect(isTrainingKernelRegistered(name, 'wasm')).toBe(true);
    // Still delegates correctly after repeated registration (no self-delegation).
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    expect(Array.from(tf.matMul(a, a, true, false).dataSync())).toEqual([35, 44, 44, 56]);
    a.dispose();
  });

  it('registers nothing for the tensorflow backend and unknown names', () => {
    expect(registerTrainingKernels('tensorflow')).toEqual([]);
    expect(registerTrainingKernels('webgl')).toEqual([]);
  });

  describe('gradients on WASM equal those on the stock CPU backend', () => {
    beforeAll(() => {
      registerTrainingKernels('wasm');
      expect(isTrainingKernelRegistered('Conv2DBackpropFilter', 'cpu')).toBe(false);
    });

    const cases: ReadonlyArray<{
      name: string;
      inputs: Array<{ values: Float32Array; shape: number[] }>;
      loss: (...xs: tf.Tensor[]) => tf.Scalar;
    }> = [
      {
        name: 'conv2d k5 s2 same',
        inputs: [input([2, 9, 7, 3], 1), input([5, 5, 3, 4], 2), input([2, 5, 4, 4], 3)],
        loss: (x, w, r) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'), r)),
      },
      {
        name: 'conv2d k3 s1 valid',
        inputs: [input([1, 7, 9, 2], 4), input([3, 3, 2, 5], 5), input([1, 5, 7, 5], 6)],
        loss: (x, w, r) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'), r)),
      },
      {
        name: 'conv2dTranspose k5 s2 same',
        inputs: [input([2, 4, 4, 6], 7), input([5, 5, 3, 6], 8), input([2, 8, 8, 3], 9)],
        loss: (x, w, r) =>
          tf.sum(tf.mul(tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 8, 8, 3], 2, 'same'), r)),
      },
      {
        name: 'matMul + bias (dense)',
        inputs: [input([8, 13], 10), input([13, 6], 11), input([6], 12), input([8, 6], 13)],
        loss: (x, w, b, r) => tf.sum(tf.mul(tf.sigmoid(tf.add(tf.matMul(x, w), b)), r)),
      },
    ];

    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const wasm = await gradsOn('wasm', c.inputs, c.loss);
      const cpu = await gradsOn('cpu', c.inputs, c.loss);
      expect(wasm).toHaveLength(c.inputs.length);
      wasm.forEach((g, i) => expect(relativeError(g, cpu[i])).toBeLessThan(TOLERANCE));
      await tf.setBackend('wasm');
    });
  });
});
