/**
 * Milliseconds per training step of Ganglion's models on WASM (one thread,
 * SIMD, Ganglion's training kernels), at batch 64 on fixed random batches:
 * a step is computeGradients + applyGradients of every phase, as one
 * worker of a data-parallel run does it (without the reduce). Run:
 *
 *   npx tsx libs/models/src/model-step-timings.ts [model ...] [--steps 20] [--warmup 5] [--batch 64]
 *
 * `model` is dcgan, conv-vae or row-lstm (default: all three). Prints
 * min / median / max ms per step and per phase (compute and apply). The
 * machine load is printed too: on a shared machine compare figures taken
 * in one run, and prefer ratios to absolute values.
 */
import * as tf from '@tensorflow/tfjs';
import { cpus, loadavg } from 'node:os';
import { selectBackend } from './backend/select-backend';
import { ConvVae } from './conv-vae/conv-vae';
import { Dcgan } from './dcgan/dcgan';
import type { GenerativeModel, TrainingBatch } from './generative-model';
import { RowLstm } from './row-lstm/row-lstm';

const MODELS: Readonly<Record<string, () => GenerativeModel>> = {
  dcgan: () => new Dcgan({ seed: 1 }),
  'conv-vae': () => new ConvVae({ seed: 1 }),
  'row-lstm': () => new RowLstm({ seed: 1 }),
};

interface Settings {
  models: string[];
  steps: number;
  warmup: number;
  batch: number;
}

/** Wall times of one step: the whole step, and each phase's compute and apply. */
interface StepTimes {
  total: number;
  phases: { compute: number; apply: number }[];
}

function parseArgs(argv: readonly string[]): Settings {
  const settings: Settings = { models: [], steps: 20, warmup: 5, batch: 64 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--steps' || arg === '--warmup' || arg === '--batch') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < (arg === '--warmup' ? 0 : 1)) {
        throw new Error(`${arg} needs a positive integer, got '${argv[i]}'.`);
      }
      settings[arg.slice(2) as 'steps' | 'warmup' | 'batch'] = value;
    } else if (arg in MODELS) {
      settings.models.push(arg);
    } else {
      throw new Error(`Unknown argument '${arg}'. Models: ${Object.keys(MODELS).join(', ')}; options: --steps, --warmup, --batch.`);
    }
  }
  if (settings.models.length === 0) settings.models = Object.keys(MODELS);
  return settings;
}

/** A batch of uniform random pixels in the model's range, fixed by `seed`. */
function randomBatch(model: GenerativeModel, count: number, step: number, seed: number): TrainingBatch {
  const [low, high] = model.pixelRange;
  const pixels = model.imageShape.reduce((a, b) => a * b, 1);
  const images = new Float32Array(count * pixels);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < images.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    images[i] = low + ((state >>> 0) / 4294967296) * (high - low);
  }
  const sampleIndices = Int32Array.from({ length: count }, (_, i) => seed * count + i);
  return { images, count, sampleIndices, step };
}

function timedStep(model: GenerativeModel, batch: TrainingBatch): StepTimes {
  const started = performance.now();
  const phases = model.phases.map((phase) => {
    const t0 = performance.now();
    const { gradients } = phase.computeGradients(batch); // reads the loss back: the work is done
    const t1 = performance.now();
    phase.applyGradients(gradients);
    tf.dispose(gradients);
    return { compute: t1 - t0, apply: performance.now() - t1 };
  });
  return { total: performance.now() - started, phases };
}

function summary(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted.length % 2 === 1
    ? sorted[(sorted.length - 1) / 2]
    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  const f = (v: number) => v.toFixed(1).padStart(8);
  return `${f(sorted[0])} ${f(median)} ${f(sorted[sorted.length - 1])}`;
}

function timeModel(key: string, settings: Settings): void {
  const model = MODELS[key]();
  const batches = [0, 1, 2, 3].map((seed) => randomBatch(model, settings.batch, seed, seed + 1));
  for (let i = 0; i < settings.warmup; i++) timedStep(model, batches[i % batches.length]);
  const tensors = tf.memory().numTensors;
  const times: StepTimes[] = [];
  for (let i = 0; i < settings.steps; i++) times.push(timedStep(model, batches[i % batches.length]));
  const leaked = tf.memory().numTensors - tensors;
  console.log(`${key.padEnd(28)} ${summary(times.map((t) => t.total))}${leaked === 0 ? '' : `  (${leaked} tensors leaked)`}`);
  model.phases.forEach((phase, p) => {
    console.log(`  ${`${phase.name} compute`.padEnd(26)} ${summary(times.map((t) => t.phases[p].compute))}`);
    console.log(`  ${`${phase.name} apply`.padEnd(26)} ${summary(times.map((t) => t.phases[p].apply))}`);
  });
  model.dispose();
}

async function main(): Promise<void> {
  const settings = parseArgs(process.argv.slice(2));
  const choice = await selectBackend({ requested: 'wasm' });
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  console.log(`tfjs ${tf.version.tfjs}, ${choice.name}, SIMD ${simd}, batch ${settings.batch}, ${settings.warmup} warm-up + ${settings.steps} timed steps`);
  console.log(`${cpus().length} CPUs (${cpus()[0]?.model}), load average ${loadavg()[0].toFixed(2)} at start\n`);
  console.log(`${'ms per step'.padEnd(28)} ${'min'.padStart(8)} ${'median'.padStart(8)} ${'max'.padStart(8)}`);
  for (const key of settings.models) timeModel(key, settings);
  console.log(`\nload average ${loadavg()[0].toFixed(2)} at end`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
