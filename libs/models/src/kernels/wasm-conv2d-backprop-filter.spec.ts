import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  backendDataIds,
  caseGeometry,
  CONV_CASES,
  convTensors,
  describeConv,
  runConv2DBackpropFilter,
  takeValues,
  wasmOps,
} from './kernel-spec-support';
import { referenceConv2DBackpropFilter, relativeError } from './reference-kernels';
import { registerTrainingKernels } from './register-training-kernels';
import { UnsupportedKernelError } from './unsupported-kernel-error';
import {
  chooseFilterGradMethod,
  filterGradByDilatedConv,
  filterGradByIm2col,
} from './wasm-conv2d-backprop-filter';

const METHODS = { im2col: filterGradByIm2col, 'dilated-conv': filterGradByDilatedConv } as const;

// Error measure throughout: max|got − ref| / max|ref| against float64 loops.
const TOLERANCE = 1e-5;

describe('WASM Conv2DBackpropFilter', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    registerTrainingKernels('wasm');
  });

  it.each(CONV_CASES.map((c) => [describeConv(c), c] as const))(
    'matches the float64 reference for %s',
    (_label, c) => {
      const { x, w, dy } = convTensors(c, 11);
      const dw = runConv2DBackpropFilter(c, x, dy);
      expect(dw.shape).toEqual(c.filterShape);
      const ref = referenceConv2DBackpropFilter(c, x.dataSync(), dy.dataSync());
      expect(relativeError(dw.dataSync(), ref)).toBeLessThan(TOLERANCE);
      tf.dispose([x, w, dy, dw]);
    },
  );

  describe.each(Object.keys(METHODS) as Array<keyof typeof METHODS>)('method %s', (method) => {
    it.each(CONV_CASES.map((c) => [describeConv(c), c] as const))(
      'matches the float64 reference for %s',
      (_label, c) => {
        const { x, w, dy } = convTensors(c, 12);
        const ops = wasmOps();
        const ids = backendDataIds();
        const dw = takeValues(ops, METHODS[method](ops, x, dy, caseGeometry(c)));
        expect(backendDataIds()).toBe(ids);
        expect(dw.shape).toEqual(c.filterShape);
        const ref = referenceConv2DBackpropFilter(c, x.dataSync(), dy.dataSync());
        expect(relativeError(dw.values, ref)).toBeLessThan(TOLERANCE);
        tf.dispose([x, w, dy]);
      },
    );
  });

  it('picks im2col for few input channels and the dilated convolution for the wide DCGAN layer', () => {
    const geometry = (x: [number, number, number, number], w: [number, number, number, number]) =>
      caseGeometry({ inputShape: x, filterShape: w, stride: 2, padding: 'same' });
    expect(chooseFilterGradMethod(geometry([64, 28, 28, 1], [5, 5, 1, 64]))).toBe('im2col');
    expect(chooseFilterGradMethod(geometry([64, 14, 14, 64], [5, 5, 64, 128]))).toBe('dilated-conv');
  });

  it('leaks neither tensors nor WASM buffers across repeated calls', () => {
    const c = CONV_CASES[4];
    const { x, w, dy } = convTensors(c, 3);
    runConv2DBackpropFilter(c, x, dy).dispose();
    const tensors = tf.memory().numTensors;
    const buffers = tf.memory().numDataBuffers;
    const ids = backendDataIds();
    for (let i = 0; i < 5; i++) runConv2DBackpropFilter(c, x, dy).dispose();
    // The cropping path ('valid' with rows the forward conv never read).
    const v = CONV_CASES[8];
    const t = convTensors(v, 4);
    const before = backendDataIds();
    for (let i = 0; i < 3; i++) runConv2DBackpropFilter(v, t.x, t.dy).dispose();
    expect(backendDataIds()).toBe(before);
    tf.dispose([t.x, t.w, t.dy]);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.memory().numDataBuffers).toBe(buffers);
    expect(backendDataIds()).toBe(ids);
    tf.dispose([x, w, dy]);
  });

  it('refuses NCHW and dilations with an UnsupportedKernelError', () => {
    const x = tf.zeros([1, 5, 5, 2]);
    const dy = tf.zeros([1, 5, 5, 3]);
    const run = (attrs: object) => () =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        strides: 1,
        pad: 'same',
        dataFormat: 'NHWC',
        filterShape: [3, 3, 2, 3],
        ...attrs,
      } as never);
    expect(run({ dataFormat: 'NCHW' })).toThrow(UnsupportedKernelError);
    expect(run({ dataFormat: 'NCHW' })).toThrow(/Conv2DBackpropFilter.*'wasm'.*NCHW/);
    expect(run({ dilations: [2, 2] })).toThrow(/dilations \[2, 2\]/);
    tf.dispose([x, dy]);
  });
});
