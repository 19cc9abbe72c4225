import * as tf from '@tensorflow/tfjs';
import { seededValues } from '../kernels/kernel-spec-support';
import { selectBackend } from './select-backend';

/**
 * The multi-threaded WASM backend in Node: a small conv / dense /
 * transposed-conv network trained three Adam steps on stock one-thread WASM,
 * then again on the threaded build with 2 threads, from the same weights.
 */
describe('selectBackend with threads (multi-threaded WASM in Node)', () => {
  const shapes = { conv: [3, 3, 1, 8], dense: [8 * 8 * 8, 64], deconv: [5, 5, 1, 4] } as const;

  /** Three Adam steps of a tiny autoencoder; returns the losses and the final weights. */
  function trainSteps(): { losses: number[]; weights: Float32Array[] } {
    const x = tf.tensor4d(seededValues(16 * 16 * 16, 7).map((v) => (v + 1) / 2), [16, 16, 16, 1]);
    const conv = tf.tidy(() => tf.variable(tf.tensor4d(seededValues(9 * 8, 1).map((v) => v * 0.4), [...shapes.conv]), true, 'conv'));
    const dense = tf.tidy(() => tf.variable(tf.tensor2d(seededValues(512 * 64, 2).map((v) => v * 0.05), [...shapes.dense]), true, 'dense'));
    const deconv = tf.tidy(() => tf.variable(tf.tensor4d(seededValues(25 * 4, 3).map((v) => v * 0.3), [...shapes.deconv]), true, 'deconv'));
    const optimizer = tf.train.adam(0.05);
    const losses: number[] = [];
    for (let step = 0; step < 3; step++) {
      const loss = optimizer.minimize(
        () =>
          tf.tidy(() => {
            const h = tf.leakyRelu(tf.conv2d(x, conv, 2, 'same')).reshape([16, 512]);
            const z = tf.leakyRelu(tf.matMul(h, dense)).reshape([16, 4, 4, 4]) as tf.Tensor4D;
            const y = tf.sigmoid(tf.conv2dTranspose(z, deconv, [16, 16, 16, 1], 4, 'same'));
            return tf.losses.meanSquaredError(x, y) as tf.Scalar;
          }),
        true,
      )!;
      losses.push(loss.dataSync()[0]);
      loss.dispose();
    }
    const weights = [conv, dense, deconv].map((v) => v.dataSync() as Float32Array);
    optimizer.dispose();
    tf.dispose([x, conv, dense, deconv]);
    return { losses, weights };
  }

  it('trains to the same weights with 2 threads as with 1, and says it runs 2 threads', async () => {
    const single = await selectBackend({ requested: 'wasm', threads: 1 });
    expect(single.threads).toBe(1);
    expect(single.reason).toContain('1 thread');
    const one = trainSteps();

    const multi = await selectBackend({ requested: 'wasm', threads: 2 });
    expect(tf.getBackend()).toBe('wasm');
    expect(multi.threads).toBe(2);
    expect(multi.reason).toContain('2 threads');
    expect(multi.trainingKernels).toEqual(single.trainingKernels);
    const before = tf.memory().numTensors;
    const two = trainSteps();
    expect(tf.memory().numTensors).toBe(before);

    expect(two.losses[2]).toBeLessThan(two.losses[0]);
    for (let s = 0; s < 3; s++) expect(two.losses[s]).toBeCloseTo(one.losses[s], 5);
    two.weights.forEach((w, i) => {
      const reference = one.weights[i];
      expect(w.length).toBe(reference.length);
      let worst = 0;
      for (let k = 0; k < w.length; k++) worst = Math.max(worst, Math.abs(w[k] - reference[k]));
      expect(worst).toBeLessThan(1e-5);
    });

    // Asking again for the same count keeps the running backend.
    const again = await selectBackend({ requested: 'wasm', threads: 2 });
    expect(again.threads).toBe(2);
  });

  it('reads GANGLION_WASM_THREADS and refuses a count it cannot honour, naming the setting', async () => {
    await expect(selectBackend({ requested: 'wasm', env: { GANGLION_WASM_THREADS: 'two' } })).rejects.toThrow(
      /GANGLION_WASM_THREADS must be a whole number of WASM threads from 1 to 8, got 'two'/,
    );
    await expect(selectBackend({ requested: 'wasm', threads: 0 })).rejects.toThrow(/threads must be a whole number/);
  });
});
