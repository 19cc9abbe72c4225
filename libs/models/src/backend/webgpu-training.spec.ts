import * as tf from '@tensorflow/tfjs';
import { ConvVae } from '../conv-vae/conv-vae';
import { Dcgan } from '../dcgan/dcgan';
import type { GenerativeModel, TrainingBatch } from '../generative-model';
import { isTrainingKernelRegistered } from '../kernels/register-training-kernels';
import { RowLstm } from '../row-lstm/row-lstm';
import { readWeights, relativeError, trainStep } from '../testing/model-checks';
import { batchOf, patternImages } from '../testing/synthetic-batch';
import { probeWebGpu } from '../testing/webgpu-test-gate';
import { selectBackend } from './select-backend';

/**
 * The three models on tfjs's WebGPU backend (a software GPU in CI: see
 * .ci/install-software-gpu.sh), against the cpu backend. Kept small (8x8
 * images, batch 4, 3 steps): a software GPU runs every shader on the CPU.
 * Skipped, with the reason logged, where no adapter exists; failed instead
 * where one is expected (GANGLION_EXPECT_WEBGPU=1, set by .ci/run).
 */
const gate = probeWebGpu();
if (!gate.available && !gate.expected) console.warn(`webgpu specs skipped: no WebGPU adapter here (${gate.reason})`);
const onGpu = gate.available ? describe : describe.skip;

/**
 * Gradient agreement, webgpu against cpu: relative error ||a − b|| / ||b||
 * per variable. Measured on llvmpipe (Dawn OpenGL): DCGAN 1.7e-5, ConvVAE
 * 5.0e-6, RowLSTM 7.9e-7; float32 sums in another order, nothing more. A
 * wrong kernel is off by 1e-2 or more.
 */
const GRADIENT_TOLERANCE = 1e-4;

interface ModelCase {
  name: string;
  build: () => GenerativeModel;
  batch: () => TrainingBatch;
}

const SHAPE: [number, number, number] = [8, 8, 1];
const CASES: ModelCase[] = [
  { name: 'DCGAN', build: () => new Dcgan({ imageShape: SHAPE, latentDim: 16, seed: 3 }), batch: () => batchOf(patternImages(4, SHAPE, [-1, 1]), [0, 1, 2, 3], 0) },
  { name: 'ConvVAE', build: () => new ConvVae({ imageShape: SHAPE, latentDim: 4, seed: 3 }), batch: () => batchOf(patternImages(4, SHAPE, [0, 1]), [0, 1, 2, 3], 0) },
  { name: 'RowLSTM', build: () => new RowLstm({ imageShape: SHAPE, units: 16, seed: 3 }), batch: () => batchOf(patternImages(4, SHAPE, [0, 1]), [0, 1, 2, 3], 0) },
];

/** Every phase's gradients at the initial weights (none applied), read back, and the losses. */
async function initialGradients(model: GenerativeModel, batch: TrainingBatch): Promise<{ losses: number[]; gradients: Float32Array[] }> {
  const losses: number[] = [];
  const gradients: Float32Array[] = [];
  for (const phase of model.phases) {
    const result = await phase.computeGradients(batch);
    losses.push(result.loss);
    for (const g of result.gradients) gradients.push((await g.data()) as Float32Array);
    tf.dispose(result.gradients);
  }
  return { losses, gradients };
}

describe('webgpu adapter', () => {
  (gate.expected ? it : it.skip)('comes up where one is expected (GANGLION_EXPECT_WEBGPU=1), and is named', () => {
    if (!gate.available) {
      throw new Error(
        `A WebGPU adapter was expected (GANGLION_EXPECT_WEBGPU=1, set by .ci/run after .ci/install-software-gpu.sh) but none came up: ${gate.reason}`,
      );
    }
    console.log(`webgpu specs run on: ${gate.reason}`);
    expect(gate.choice?.adapter?.description ?? gate.choice?.adapter?.device).toBeTruthy();
  });
});

onGpu('training on webgpu', () => {
  afterAll(async () => {
    await selectBackend({ requested: 'cpu' });
  });

  it.each(CASES)('$name: gradients match the cpu backend, 3 steps train without leaking tensors, and it samples', async ({ name, build, batch }) => {
    await selectBackend({ requested: 'cpu' });
    const onCpu = build();
    const cpuWeights = await readWeights(onCpu);
    const reference = await initialGradients(onCpu, batch());
    onCpu.dispose();

    const choice = await selectBackend({ requested: 'webgpu' });
    expect(tf.getBackend()).toBe('webgpu');
    const model = build();
    // Same seed, same initial weights on either backend: the comparison is of the maths alone.
    const gpuWeights = await readWeights(model);
    gpuWeights.forEach((w, i) => expect(relativeError(w, cpuWeights[i])).toBe(0));
    const actual = await initialGradients(model, batch());
    const errors = actual.gradients.map((g, i) => relativeError(g, reference.gradients[i]));
    const worst = Math.max(...errors);
    console.log(`${name} on ${choice.adapter?.description}: worst gradient relative error vs cpu ${worst.toExponential(2)} over ${errors.length} variables; losses ${actual.losses.map((l) => l.toFixed(5))} vs ${reference.losses.map((l) => l.toFixed(5))}`);
    expect(worst).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
    actual.losses.forEach((loss, i) => expect(Math.abs(loss - reference.losses[i])).toBeLessThanOrEqual(1e-4 * Math.abs(reference.losses[i])));

    const before = await readWeights(model);
    const tensorsPerStep: number[] = [];
    for (let step = 0; step < 3; step++) {
      const losses = await trainStep(model, { ...batch(), step });
      losses.forEach((loss) => expect(Number.isFinite(loss)).toBe(true));
      tensorsPerStep.push(tf.memory().numTensors);
    }
    // Step 0 creates Adam's moment variables; after that nothing may accumulate.
    expect(tensorsPerStep[2]).toBe(tensorsPerStep[1]);
    const after = await readWeights(model);
    expect(after.some((w, i) => relativeError(w, before[i]) > 0)).toBe(true);

    // Sampling (the sample grids) reads nothing back synchronously either, and leaves no tensor behind.
    const beforeSampling = tf.memory().numTensors;
    const samples = model.sample(2, 1);
    expect(samples.shape).toEqual([2, ...SHAPE]);
    expect(Array.from(await samples.data()).every(Number.isFinite)).toBe(true);
    samples.dispose();
    expect(tf.memory().numTensors).toBe(beforeSampling);
    model.dispose();
  }, 120_000);

  it('AddN of more inputs than a shader may bind (Ganglion kernel) matches the cpu sum to 1e-5', async () => {
    const count = 40;
    const values = Array.from({ length: count }, (_, k) => Float32Array.from({ length: 15 }, (_, i) => Math.sin(k * 15 + i)));
    await selectBackend({ requested: 'cpu' });
    const onCpu = tf.tidy(() => tf.addN(values.map((v) => tf.tensor2d(v, [3, 5]))));
    const expected = (await onCpu.data()) as Float32Array;
    onCpu.dispose();
    await selectBackend({ requested: 'webgpu' });
    expect(isTrainingKernelRegistered('AddN', 'webgpu')).toBe(true);
    const before = tf.memory().numTensors;
    const sum = tf.tidy(() => tf.addN(values.map((v) => tf.tensor2d(v, [3, 5]))));
    expect(relativeError((await sum.data()) as Float32Array, expected)).toBeLessThanOrEqual(1e-5);
    sum.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});
