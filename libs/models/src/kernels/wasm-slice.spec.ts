import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { backendDataIds, seededValues } from './kernel-spec-support';
import { isTrainingKernelRegistered, registerTrainingKernels } from './register-training-kernels';

/** Runs f on the wasm and the stock cpu backend with the same input; returns both results. */
async function onBothBackends(
  values: Float32Array | Int32Array | Uint8Array,
  shape: number[],
  dtype: 'float32' | 'int32' | 'bool',
  f: (x: tf.Tensor) => tf.Tensor | tf.Tensor[],
): Promise<[Array<{ shape: number[]; values: number[] }>, Array<{ shape: number[]; values: number[] }>]> {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const x = tf.tensor(values, shape, dtype);
    const result = f(x);
    const outs = (Array.isArray(result) ? result : [result]).map((t) => ({
      shape: t.shape,
      values: Array.from(t.dataSync()),
    }));
    tf.dispose([x, result]);
    return outs;
  };
  const wasm = await run('wasm');
  const cpu = await run('cpu');
  await tf.setBackend('wasm');
  return [wasm, cpu];
}

describe('WASM Slice, Unpack and SplitV over heap views', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    registerTrainingKernels('wasm');
  });

  it('replaces the stock kernels', () => {
    for (const name of ['Slice', 'Unpack', 'SplitV']) expect(isTrainingKernelRegistered(name, 'wasm')).toBe(true);
  });

  const slices: ReadonlyArray<[number[], number[], number[]]> = [
    [[10], [3], [5]],
    [[4, 9], [1, 2], [2, -1]],
    [[4, 9], [1, 0], [3, 9]],
    [[3, 5, 40], [1, 1, 3], [2, 3, 20]],
    [[2, 3, 4, 5], [1, 0, 1, 2], [1, 3, 2, 3]],
    [[2, 3, 4, 5, 6], [0, 1, 1, 0, 2], [2, 2, 3, 5, 4]],
    [[3, 4], [0, 0], [0, 4]],
  ];
  it.each(slices)('slices %j from %j size %j like the cpu backend', async (shape, begin, size) => {
    const count = shape.reduce((a, b) => a * b, 1);
    const [wasm, cpu] = await onBothBackends(seededValues(count, 1), shape, 'float32', (x) =>
      tf.slice(x, begin, size),
    );
    expect(wasm).toEqual(cpu);
  });

  it('slices int32 and bool tensors', async () => {
    const ints = Int32Array.from({ length: 24 }, (_, i) => i * 3 - 7);
    const [wi, ci] = await onBothBackends(ints, [2, 3, 4], 'int32', (x) => tf.slice(x, [0, 1, 1], [2, 2, 2]));
    expect(wi).toEqual(ci);
    const bools = Uint8Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const [wb, cb] = await onBothBackends(bools, [4, 6], 'bool', (x) => tf.slice(x, [1, 1], [2, 4]));
    expect(wb).toEqual(cb);
  });

  it.each([0, 1, 2, -1])('unstacks along axis %i like the cpu backend', async (axis) => {
    const [wasm, cpu] = await onBothBackends(seededValues(3 * 4 * 20, 2), [3, 4, 20], 'float32', (x) =>
      tf.unstack(x, axis),
    );
    expect(wasm).toEqual(cpu);
  });

  it.each([
    [[4, 3], 1],
    [[3, 2, 1], -1],
    [2, 0],
  ] as const)('splits into %j along axis %i like the cpu backend', async (splits, axis) => {
    const [wasm, cpu] = await onBothBackends(seededValues(4 * 6 * 7, 3), [4, 7, 6], 'float32', (x) =>
      tf.split(x, splits as number | number[], axis),
    );
    expect(wasm).toEqual(cpu);
  });

  it('still slices string tensors (through the stock kernel)', () => {
    const s = tf.tensor(['a', 'b', 'c', 'd'], [2, 2], 'string');
    expect(tf.slice(s, [1, 0], [1, 2]).arraySync()).toEqual([['c', 'd']]);
    expect(tf.unstack(s).map((t) => t.arraySync())).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('leaks no WASM buffers', () => {
    const x = tf.tensor(seededValues(64 * 28 * 28, 4), [64, 28, 28]);
    const step = () => tf.tidy(() => [tf.unstack(x, 1), tf.split(x, 4, 2), tf.slice(x, [1, 2, 3], [5, 6, 7])]);
    tf.dispose(step());
    const tensors = tf.memory().numTensors;
    const ids = backendDataIds();
    for (let i = 0; i < 3; i++) tf.dispose(step());
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendDataIds()).toBe(ids);
    x.dispose();
  });
});
