import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { backendDataIds, seededValues } from './kernel-spec-support';
import { referenceMatMul, relativeError } from './reference-kernels';
import { isTrainingKernelRegistered, registerTrainingKernels } from './register-training-kernels';
import { shouldSwapOperands, shouldTransposeFirst, swapSavesPacking } from './wasm-batch-mat-mul';

// Error measure throughout: max|got − ref| / max|ref| against float64 loops.
const TOLERANCE = 1e-5;

// m, k, n: small products stay on the stock loop, larger ones are transposed first.
const SHAPES: ReadonlyArray<[number, number, number]> = [
  [1, 1, 1],
  [3, 5, 7],
  [17, 33, 9],
  [64, 100, 31],
  [200, 64, 1],
  [16, 64, 300],
];
const FLAGS: ReadonlyArray<[boolean, boolean]> = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

function operands(m: number, k: number, n: number, tA: boolean, tB: boolean, seed: number) {
  const aShape: [number, number] = tA ? [k, m] : [m, k];
  const bShape: [number, number] = tB ? [n, k] : [k, n];
  const a = seededValues(m * k, seed);
  const b = seededValues(k * n, seed + 1);
  return { a, b, aShape, bShape };
}

describe('WASM BatchMatMul and _FusedMatMul with transposes', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    registerTrainingKernels('wasm');
  });

  it('replaces both stock kernels', () => {
    expect(isTrainingKernelRegistered('BatchMatMul', 'wasm')).toBe(true);
    expect(isTrainingKernelRegistered('_FusedMatMul', 'wasm')).toBe(true);
  });

  for (const [m, k, n] of SHAPES) {
    for (const [tA, tB] of FLAGS) {
      it(`matMul ${m}x${k}x${n} transposeA=${tA} transposeB=${tB}`, () => {
        const o = operands(m, k, n, tA, tB, m * 7 + n);
        const a = tf.tensor2d(o.a, o.aShape);
        const b = tf.tensor2d(o.b, o.bShape);
        const ref = referenceMatMul(o.a, o.aShape, o.b, o.bShape, tA, tB);
        const plain = tf.matMul(a, b, tA, tB);
        expect(plain.shape).toEqual([m, n]);
        expect(relativeError(plain.dataSync(), ref)).toBeLessThan(TOLERANCE);
        const bias = tf.tensor1d(seededValues(n, 99));
        const fused = tf.fused.matMul({ a, b, transposeA: tA, transposeB: tB, bias, activation: 'relu' });
        const biasValues = bias.dataSync();
        const refFused = ref.map((v, i) => Math.max(v + biasValues[i % n], 0));
        expect(relativeError(fused.dataSync(), refFused)).toBeLessThan(TOLERANCE);
        tf.dispose([a, b, plain, bias, fused]);
      });
    }
  }

  it('transposes first only where the product repays the copy', () => {
    const info = (shape: number[]) => ({ dataId: {}, shape, dtype: 'float32' as const });
    // dense 100→6272 backward at batch 64: transposed first.
    expect(shouldTransposeFirst(info([64, 6272]), info([100, 6272]), false, true)).toBe(true);
    expect(shouldTransposeFirst(info([64, 100]), info([64, 6272]), true, false)).toBe(true);
    // xᵀ·dy of a 6272→1 dense layer: 0.4 multiply-adds per copied element.
    expect(shouldTransposeFirst(info([64, 6272]), info([64, 1]), true, false)).toBe(false);
    expect(shouldTransposeFirst(info([64, 6272]), info([6272, 1]), false, false)).toBe(false);
  });

  it('computes aᵀ·b as (bᵀ·a)ᵀ where packing b would cost more than the transposes', () => {
    const info = (shape: number[]) => ({ dataId: {}, shape, dtype: 'float32' as const });
    // zᵀ·dy of the VAE decoder's 16→3136 dense layer at batch 64: dy is the big operand.
    expect(shouldSwapOperands(info([64, 16]), info([64, 3136]))).toBe(true);
    // xᵀ·dy of the encoder's 3136→16 layer: x is the big operand, packing dy is cheap.
    expect(shouldSwapOperands(info([64, 3136]), info([64, 16]))).toBe(false);
    // The [16, 64, 300] case above takes the swapped path.
    expect(shouldSwapOperands(info([64, 16]), info([64, 300]))).toBe(true);
    // im2col filter gradients of the 1-channel first layers at batch 64: ConvVAE k3 → 32 gains,
    // DCGAN k5 → 64 measured slower swapped.
    expect(swapSavesPacking(64 * 14 * 14, 9, 32)).toBe(true);
    expect(swapSavesPacking(64 * 14 * 14, 25, 64)).toBe(false);
    // The conv case x[2,8,8,1] w[3,3,1,64] s2 of kernel-spec-support exercises the swapped im2col.
    expect(swapSavesPacking(2 * 4 * 4, 9, 64)).toBe(true);
  });

  // [outer dims of a, outer dims of b]: batched × batched, batched × shared, shared × batched.
  const BATCHES: ReadonlyArray<[number[], number[]]> = [
    [[3], [3]],
    [[2, 3], []],
    [[1], [4]],
  ];
  describe.each(BATCHES)('batched operands, outer dims %j × %j', (outerA, outerB) => {
    const [m, k, n] = [5, 50, 3];
    it.each(FLAGS)('transposeA=%s transposeB=%s, plain and with bias + relu', (tA, tB) => {
      const batchA = outerA.reduce((x, y) => x * y, 1);
      const batchB = outerB.reduce((x, y) => x * y, 1);
      const batch = Math.max(batchA, batchB);
      const aShape = [...outerA, ...(tA ? [k, m] : [m, k])];
      const bShape = [...outerB, ...(tB ? [n, k] : [k, n])];
      const av = seededValues(batchA * m * k, 7);
      const bv = seededValues(batchB * k * n, 8);
      const a = tf.tensor(av, aShape);
      const b = tf.tensor(bv, bShape);
      const bias = tf.tensor1d([1, 2, 3]);
      const ref: number[] = [];
      const refFused: number[] = [];
      for (let i = 0; i < batch; i++) {
        const ai = av.subarray((batchA === 1 ? 0 : i) * m * k, ((batchA === 1 ? 0 : i) + 1) * m * k);
        const bi = bv.subarray((batchB === 1 ? 0 : i) * k * n, ((batchB === 1 ? 0 : i) + 1) * k * n);
        const r = referenceMatMul(ai, tA ? [k, m] : [m, k], bi, tB ? [n, k] : [k, n], tA, tB);
        ref.push(...r);
        refFused.push(...Array.from(r, (v, j) => Math.max(v + [1, 2, 3][j % n], 0)));
      }
      const plain = tf.matMul(a, b, tA, tB);
      expect(plain.shape.slice(-2)).toEqual([m, n]);
      expect(plain.size).toBe(batch * m * n);
      expect(relativeError(plain.dataSync(), ref)).toBeLessThan(TOLERANCE);
      const fused = tf.fused.matMul({
        a: a as tf.Tensor3D,
        b: b as tf.Tensor3D,
        transposeA: tA,
        transposeB: tB,
        bias,
        activation: 'relu',
      });
      expect(relativeError(fused.dataSync(), refFused)).toBeLessThan(TOLERANCE);
      tf.dispose([a, b, bias, plain, fused]);
    });
  });

  it('leaks neither tensors nor WASM buffers across repeated calls', () => {
    const a = tf.tensor2d(seededValues(64 * 40, 5), [64, 40]);
    const b = tf.tensor2d(seededValues(64 * 30, 6), [64, 30]);
    const step = () =>
      tf.tidy(() => {
        tf.matMul(a, b, true, false);
        tf.matMul(b, a, true, false);
        tf.matMul(a, a, false, true);
        tf.fused.matMul({ a, b, transposeA: true, transposeB: false });
        const a3 = tf.reshape(a, [4, 16, 40]);
        tf.matMul(a3, tf.reshape(b, [4, 16, 30]), true, false);
        tf.fused.matMul({ a: a3, b: tf.ones([40, 7]) as tf.Tensor2D, bias: tf.ones([7]), activation: 'relu' });
      });
    step();
    const tensors = tf.memory().numTensors;
    const buffers = tf.memory().numDataBuffers;
    const ids = backendDataIds();
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.memory().numDataBuffers).toBe(buffers);
    expect(backendDataIds()).toBe(ids);
    tf.dispose([a, b]);
  });
});
