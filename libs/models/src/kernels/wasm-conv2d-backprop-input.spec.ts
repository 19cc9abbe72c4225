import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  backendDataIds,
  caseGeometry,
  CONV_CASES,
  convTensors,
  describeConv,
  runConv2DBackpropInput,
  takeValues,
  wasmOps,
} from './kernel-spec-support';
import {
  referenceConv2DBackpropInput,
  relativeError,
  tfjsPadding,
} from './reference-kernels';
import { isTrainingKernelRegistered, registerTrainingKernels } from './register-training-kernels';
import { UnsupportedKernelError } from './unsupported-kernel-error';
import { chooseInputGradMethod, inputGradByCol2im, inputGradByPhases } from './wasm-conv2d-backprop-input';

const METHODS = { phases: inputGradByPhases, col2im: inputGradByCol2im } as const;

// Error measure throughout: max|got − ref| / max|ref| against float64 loops.
const TOLERANCE = 1e-5;

describe('WASM Conv2DBackpropInput', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    registerTrainingKernels('wasm');
  });

  it('replaces the stock kernel', () => {
    expect(isTrainingKernelRegistered('Conv2DBackpropInput', 'wasm')).toBe(true);
  });

  it.each(CONV_CASES.map((c) => [describeConv(c), c] as const))(
    'matches the float64 reference for %s',
    (_label, c) => {
      const { x, w, dy } = convTensors(c, 21);
      const dx = runConv2DBackpropInput(c, dy, w);
      expect(dx.shape).toEqual(c.inputShape);
      const ref = referenceConv2DBackpropInput(c, w.dataSync(), dy.dataSync());
      expect(relativeError(dx.dataSync(), ref)).toBeLessThan(TOLERANCE);
      tf.dispose([x, w, dy, dx]);
    },
  );

  describe.each(Object.keys(METHODS) as Array<keyof typeof METHODS>)('method %s', (method) => {
    it.each(CONV_CASES.map((c) => [describeConv(c), c] as const))(
      'matches the float64 reference for %s',
      (_label, c) => {
        const { x, w, dy } = convTensors(c, 22);
        const ops = wasmOps();
        const ids = backendDataIds();
        const dx = takeValues(ops, METHODS[method](ops, dy, w, caseGeometry(c)));
        expect(backendDataIds()).toBe(ids);
        expect(dx.shape).toEqual(c.inputShape);
        const ref = referenceConv2DBackpropInput(c, w.dataSync(), dy.dataSync());
        expect(relativeError(dx.values, ref)).toBeLessThan(TOLERANCE);
        tf.dispose([x, w, dy]);
      },
    );
  });

  it('picks col2im below 8 input channels and phases above', () => {
    const geometry = (x: [number, number, number, number], w: [number, number, number, number]) =>
      caseGeometry({ inputShape: x, filterShape: w, stride: 2, padding: 'same' });
    expect(chooseInputGradMethod(geometry([64, 28, 28, 1], [5, 5, 1, 64]))).toBe('col2im');
    expect(chooseInputGradMethod(geometry([64, 14, 14, 64], [5, 5, 64, 128]))).toBe('phases');
  });

  it('is the forward pass of tf.conv2dTranspose', () => {
    const c = CONV_CASES[4];
    const { x, w, dy } = convTensors(c, 5);
    const y = tf.conv2dTranspose(dy, w, c.inputShape, c.stride, tfjsPadding(c.padding) as 'same');
    const ref = referenceConv2DBackpropInput(c, w.dataSync(), dy.dataSync());
    expect(relativeError(y.dataSync(), ref)).toBeLessThan(TOLERANCE);
    tf.dispose([x, w, dy, y]);
  });

  it('leaks neither tensors nor WASM buffers across repeated calls', () => {
    // Stride 2 (phases + interleave), stride 1, and the zero-phase path.
    const cases = [CONV_CASES[4], CONV_CASES[0], CONV_CASES[10], CONV_CASES[12]];
    const inputs = cases.map((c, i) => convTensors(c, 30 + i));
    cases.forEach((c, i) => runConv2DBackpropInput(c, inputs[i].dy, inputs[i].w).dispose());
    const tensors = tf.memory().numTensors;
    const buffers = tf.memory().numDataBuffers;
    const ids = backendDataIds();
    for (let round = 0; round < 3; round++) {
      cases.forEach((c, i) => runConv2DBackpropInput(c, inputs[i].dy, inputs[i].w).dispose());
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.memory().numDataBuffers).toBe(buffers);
    expect(backendDataIds()).toBe(ids);
    inputs.forEach((t) => tf.dispose([t.x, t.w, t.dy]));
  });

  it('refuses NCHW with an UnsupportedKernelError', () => {
    const dy = tf.zeros([1, 3, 5, 5]);
    const filter = tf.zeros([3, 3, 2, 3]);
    const run = () =>
      tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, {
        strides: 1,
        pad: 'same',
        dataFormat: 'NCHW',
        inputShape: [1, 2, 5, 5],
      } as never);
    expect(run).toThrow(UnsupportedKernelError);
    tf.dispose([dy, filter]);
  });
});
