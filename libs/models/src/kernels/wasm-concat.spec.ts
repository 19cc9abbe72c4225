import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { backendDataIds, seededValues } from './kernel-spec-support';
import { isTrainingKernelRegistered, registerTrainingKernels } from './register-training-kernels';

type Result = { shape: number[]; dtype: string; values: number[] };

/** Runs f on the wasm and the stock cpu backend; returns both results as plain data. */
async function onBothBackends(f: () => tf.Tensor): Promise<[Result, Result]> {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const out = tf.tidy(f);
    const result = { shape: out.shape, dtype: out.dtype, values: Array.from(out.dataSync()) };
    out.dispose();
    return result;
  };
  const wasm = await run('wasm');
  const cpu = await run('cpu');
  await tf.setBackend('wasm');
  return [wasm, cpu];
}

describe('WASM Concat with heap copies, Identity and same-dtype Cast without a copy', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    registerTrainingKernels('wasm');
  });

  it('replaces the stock kernels', () => {
    expect(isTrainingKernelRegistered('Concat', 'wasm')).toBe(true);
    expect(isTrainingKernelRegistered('Identity', 'wasm')).toBe(true);
    expect(isTrainingKernelRegistered('Cast', 'wasm')).toBe(true);
  });

  it('casts to the same dtype without a copy, and converts dtypes like the stock kernel', () => {
    const x = tf.tensor1d([1.5, -2.25, 0]);
    const ids = backendDataIds();
    const same = tf.cast(x, 'float32');
    expect(backendDataIds()).toBe(ids);
    x.dispose();
    expect(Array.from(same.dataSync())).toEqual([1.5, -2.25, 0]);
    const ints = tf.cast(same, 'int32');
    expect([ints.dtype, Array.from(ints.dataSync())]).toEqual(['int32', [1, -2, 0]]);
    tf.dispose([same, ints]);
    expect(backendDataIds()).toBe(ids - 1);
  });

  // Shapes of the parts (equal except along the axis), and the axis.
  const CASES: ReadonlyArray<[number[][], number]> = [
    [[[5], [3], [1]], 0],
    [[[2, 3], [4, 3]], 0],
    [[[4, 128], [4, 128], [4, 128], [4, 3]], 1], // LSTM gate blocks, long and short rows
    [[[3, 1], [3, 2], [3, 0], [3, 5]], -1], // an empty part
    [[[2, 3, 4, 5], [2, 3, 2, 5]], 2],
    [[[2, 3, 4], [2, 3, 4]], 1],
  ];
  it.each(CASES)('concatenates float32 parts %j along axis %i like the cpu backend', async (shapes, axis) => {
    const [wasm, cpu] = await onBothBackends(() =>
      tf.concat(
        shapes.map((s, i) => tf.tensor(seededValues(s.reduce((a, b) => a * b, 1), i + 1), s)),
        axis,
      ),
    );
    expect(wasm).toEqual(cpu);
  });

  it('concatenates int32 (bit patterns kept) and bool tensors', async () => {
    const ints = () => [tf.tensor2d([1, -2, 2143289345, -4194303], [2, 2], 'int32'), tf.tensor2d([7, 8], [2, 1], 'int32')];
    const [wi, ci] = await onBothBackends(() => tf.concat(ints(), 1));
    expect(wi).toEqual(ci);
    const bools = () => [tf.tensor2d([1, 0, 0, 1], [2, 2], 'bool'), tf.tensor2d([1, 1, 0, 0, 1, 0], [2, 3], 'bool')];
    const [wb, cb] = await onBothBackends(() => tf.concat(bools(), 1));
    expect(wb).toEqual(cb);
  });

  it('still concatenates string tensors (through the stock kernel)', () => {
    const a = tf.tensor(['a', 'b'], [2, 1], 'string');
    const b = tf.tensor(['c', 'd'], [2, 1], 'string');
    expect(tf.concat([a, b], 1).arraySync()).toEqual([
      ['a', 'c'],
      ['b', 'd'],
    ]);
    tf.dispose([a, b]);
  });

  it('clones share the buffer, which outlives whichever tensor is disposed first', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const ids = backendDataIds();
    const y = tf.clone(x);
    expect(backendDataIds()).toBe(ids); // no new buffer
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
    expect(backendDataIds()).toBe(ids - 1); // the last reference frees it
    const initial = tf.tensor1d([4, 5]);
    const next = tf.tensor1d([6, 7]);
    const v = tf.variable(initial);
    const saved = tf.clone(v);
    v.assign(next);
    expect(Array.from(saved.dataSync())).toEqual([4, 5]); // assign swaps the variable's buffer
    expect(Array.from(v.dataSync())).toEqual([6, 7]);
    tf.dispose([initial, next, v, saved]);
    expect(backendDataIds()).toBe(ids - 1);
  });

  it('leaks no WASM buffers', () => {
    const x = tf.tensor(seededValues(64 * 512, 4), [64, 512]);
    const step = () => tf.tidy(() => [tf.concat(tf.split(x, 4, 1), 1), tf.clone(x), tf.concat([x, x], 0)]);
    tf.dispose(step());
    const tensors = tf.memory().numTensors;
    const ids = backendDataIds();
    for (let i = 0; i < 3; i++) tf.dispose(step());
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendDataIds()).toBe(ids);
    x.dispose();
  });
});
