import * as tf from '@tensorflow/tfjs';
import { registerTrainingKernels } from './register-training-kernels';

// Its own spec file so that the WASM backend has not started yet: the
// replaced stock kernels' setup must still run when it does.
describe('registerTrainingKernels before the WASM backend starts', () => {
  it('carries the stock setup over, so delegation works once the backend starts', async () => {
    expect(tf.findBackend('wasm')).toBeNull();
    registerTrainingKernels('wasm');
    expect(await tf.setBackend('wasm')).toBe(true);
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    expect(Array.from(tf.matMul(a, a, true, false).dataSync())).toEqual([35, 44, 44, 56]);
    expect(Array.from(tf.matMul(a, tf.ones([2, 2])).dataSync())).toEqual([3, 3, 7, 7, 11, 11]);
    const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
    const dw = tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(x, w as tf.Tensor4D, 1, 'same')))(tf.ones([3, 3, 1, 1]));
    expect(dw.dataSync()[4]).toBe(16);
    tf.dispose([a, x, dw]);
  });
});
