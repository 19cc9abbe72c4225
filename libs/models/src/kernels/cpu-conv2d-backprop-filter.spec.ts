import * as tf from '@tensorflow/tfjs';
import {
  backendDataIds,
  CONV_CASES,
  convTensors,
  describeConv,
  runConv2DBackpropFilter,
} from './kernel-spec-support';
import { referenceConv2DBackpropFilter, relativeError } from './reference-kernels';
import { isTrainingKernelRegistered, registerTrainingKernels } from './register-training-kernels';
import { UnsupportedKernelError } from './unsupported-kernel-error';

// Error measure throughout: max|got − ref| / max|ref| against float64 loops.
const TOLERANCE = 1e-5;

describe('CPU Conv2DBackpropFilter', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
    expect(registerTrainingKernels('cpu')).toContain('Conv2DBackpropFilter');
  });

  it('replaces the stock kernel', () => {
    expect(isTrainingKernelRegistered('Conv2DBackpropFilter', 'cpu')).toBe(true);
  });

  it.each(CONV_CASES.map((c) => [describeConv(c), c] as const))(
    'matches the float64 reference for %s',
    (_label, c) => {
      const { x, w, dy } = convTensors(c, 41);
      const dw = runConv2DBackpropFilter(c, x, dy);
      expect(dw.shape).toEqual(c.filterShape);
      const ref = referenceConv2DBackpropFilter(c, x.dataSync(), dy.dataSync());
      expect(relativeError(dw.dataSync(), ref)).toBeLessThan(TOLERANCE);
      tf.dispose([x, w, dy, dw]);
    },
  );

  it('gives the gradient tf.grad takes through tf.conv2d', () => {
    const c = CONV_CASES[4];
    const { x, w, dy } = convTensors(c, 7);
    const grad = tf.grad((filter: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(x, filter as tf.Tensor4D, c.stride, 'same'), dy)),
    );
    const dw = grad(w);
    const ref = referenceConv2DBackpropFilter(c, x.dataSync(), dy.dataSync());
    expect(relativeError(dw.dataSync(), ref)).toBeLessThan(TOLERANCE);
    tf.dispose([x, w, dy, dw]);
  });

  it('leaks nothing across repeated calls', () => {
    const c = CONV_CASES[2];
    const { x, w, dy } = convTensors(c, 8);
    runConv2DBackpropFilter(c, x, dy).dispose();
    const tensors = tf.memory().numTensors;
    const ids = backendDataIds();
    for (let i = 0; i < 5; i++) runConv2DBackpropFilter(c, x, dy).dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendDataIds()).toBe(ids);
    tf.dispose([x, w, dy]);
  });

  it('refuses NCHW with an UnsupportedKernelError naming the cpu backend', () => {
    const x = tf.zeros([1, 2, 5, 5]);
    const dy = tf.zeros([1, 3, 5, 5]);
    const run = () =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        strides: 1,
        pad: 'same',
        dataFormat: 'NCHW',
        filterShape: [3, 3, 2, 3],
      } as never);
    expect(run).toThrow(UnsupportedKernelError);
    expect(run).toThrow(/'cpu'/);
    tf.dispose([x, dy]);
  });
});
