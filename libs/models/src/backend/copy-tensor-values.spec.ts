import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { copyTensorValues } from './copy-tensor-values';

describe('copyTensorValues', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const backend of ['wasm', 'cpu']) {
    it(`copies a float32 tensor's values to an offset, on ${backend}`, async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1e3);
      const tensor = tf.tensor(values, [10, 100]);
      const target = new Float32Array(1003).fill(-1);
      await copyTensorValues(tensor, target, 2);
      expect(Array.from(target.subarray(2, 1002))).toEqual(Array.from(values));
      expect([target[0], target[1], target[1002]]).toEqual([-1, -1, -1]);
      tensor.dispose();
    });
  }

  it('reads from the WASM heap: no ArrayBuffer of its own, where tensor.data() makes one per call', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const tensor = tf.fill([1 << 20], 0.5);
    const target = new Float32Array(1 << 20);
    const data = jest.spyOn(tensor, 'data');
    await copyTensorValues(tensor, target, 0);
    expect(data).not.toHaveBeenCalled();
    expect(target[12345]).toBe(0.5);
    tensor.dispose();
  });

  it('goes through tensor.data() for data another backend holds', async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
    const tensor = tf.tensor([1, 2, 3]);
    const target = new Float32Array(3);
    const data = jest.spyOn(tensor, 'data');
    await copyTensorValues(tensor, target, 0);
    expect(data).toHaveBeenCalledTimes(1);
    expect(Array.from(target)).toEqual([1, 2, 3]);
    tensor.dispose();
  });

  it('refuses values that do not fit, and other dtypes, naming what was wrong', async () => {
    const tensor = tf.tensor([1, 2, 3]);
    await expect(copyTensorValues(tensor, new Float32Array(4), 2)).rejects.toThrow(/3 values do not fit at offset 2 of an array of 4/);
    const ints = tf.tensor([1, 2], [2], 'int32');
    await expect(copyTensorValues(ints, new Float32Array(4), 0)).rejects.toThrow(/the tensor is int32; only float32/);
    tensor.dispose();
    ints.dispose();
  });
});
