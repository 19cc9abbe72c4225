/**
 * Milliseconds per training step of Ganglion's models on WASM (one thread,
 * SIMD, Ganglion's training kernels), at batch 64 on fixed random batches:
 * a step is computeGradients + applyGradients of every phase, as one
 * worker of a data-parallel run does it (without the reduce). Run:
 *
 *   npx tsx bench/models/model-step-timings.ts [model ...] [--steps 20] [--warmup 5] [--batch 64] [--against DIR]
 *
 * `model` is dcgan, conv-vae or row-lstm (default: all three). Prints
 * min / median / max ms per step (wall clock, and the process's CPU time,
 * which other processes on a shared machine disturb far less) and per
 * phase (compute and apply, wall clock). The machine load is printed too:
 * on a shared machine compare figures taken in one run, and prefer ratios
 * to absolute values.
 *
 * `--against DIR` times another version of the models and training kernels
 * in the same process, step for step interleaved with this one (the order
 * alternating), so that machine noise hits both alike. DIR holds that
 * version's libs/models/src, e.g. an older commit:
 *
 *   git archive <commit> libs/models/src | tar -x -C tmp/models-before
 *   npx tsx bench/models/model-step-timings.ts --against tmp/models-before
 */
import * as tf from '@tensorflow/tfjs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { ConvVae, Dcgan, type GenerativeModel, registerTrainingKernels, RowLstm, selectBackend, type TrainingBatch } from '@ganglion/models';
import { startStopwatch } from '../harness/stopwatch';
import { summaryStats } from '../report/summary-stats';
import { KernelSetSwitch } from './kernel-set-switch';

type ModelKey = 'dcgan' | 'conv-vae' | 'row-lstm';

/** What the script needs of a version of libs/models (the working tree's, or DIR's). */
interface ModelsVersion {
  label: string;
  registerTrainingKernels(backendName: string): string[];
  Dcgan: new (options: { seed: number }) => GenerativeModel;
  ConvVae: new (options: { seed: number }) => GenerativeModel;
  RowLstm: new (options: { seed: number }) => GenerativeModel;
}

const MODEL_KEYS: readonly ModelKey[] = ['dcgan', 'conv-vae', 'row-lstm'];

function build(version: ModelsVersion, key: ModelKey): GenerativeModel {
  const type = { dcgan: version.Dcgan, 'conv-vae': version.ConvVae, 'row-lstm': version.RowLstm }[key];
  return new type({ seed: 1 });
}

interface Settings {
  models: ModelKey[];
  steps: number;
  warmup: number;
  batch: number;
  /** Root of another version's libs/models/src to interleave with, if any. */
  against?: string;
}

/** Times of one step: the whole step (wall and CPU), and each phase's compute and apply (wall). */
interface StepTimes {
  total: number;
  cpu: number;
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
    } else if (arg === '--against') {
      const dir = argv[++i];
      if (dir === undefined) throw new Error('--against needs a directory holding libs/models/src.');
      settings.against = dir;
    } else if ((MODEL_KEYS as readonly string[]).includes(arg)) {
      settings.models.push(arg as ModelKey);
    } else {
      throw new Error(
        `Unknown argument '${arg}'. Models: ${MODEL_KEYS.join(', ')}; options: --steps, --warmup, --batch, --against.`,
      );
    }
  }
  if (settings.models.length === 0) settings.models = [...MODEL_KEYS];
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

async function timedStep(model: GenerativeModel, batch: TrainingBatch): Promise<StepTimes> {
  const step = startStopwatch();
  const phases: StepTimes['phases'] = [];
  for (const phase of model.phases) {
    const compute = startStopwatch();
    const { gradients } = await phase.computeGradients(batch); // reads the loss back: the work is done
    const computeMs = compute().wallMs;
    const apply = startStopwatch();
    phase.applyGradients(gradients);
    tf.dispose(gradients);
    phases.push({ compute: computeMs, apply: apply().wallMs });
  }
  const { wallMs, cpuMs } = step();
  return { total: wallMs, cpu: cpuMs, phases };
}

/** min, median, max. */
function stats(values: readonly number[]): [number, number, number] {
  const { min, median, max } = summaryStats(values);
  return [min, median, max];
}

function summary(values: readonly number[]): string {
  return stats(values).map((v) => v.toFixed(1).padStart(8)).join(' ');
}

/** One version's model under test, with the kernel set it trains with. */
interface Contender {
  label: string;
  model: GenerativeModel;
  kernelSet: number;
  times: StepTimes[];
}

async function timeModel(key: ModelKey, contenders: Contender[], kernels: KernelSetSwitch, settings: Settings): Promise<void> {
  const batches = [0, 1, 2, 3].map((seed) => randomBatch(contenders[0].model, settings.batch, seed, seed + 1));
  for (let i = 0; i < settings.warmup + settings.steps; i++) {
    // Alternate who goes first, so that neither always runs right after the other's garbage.
    const order = i % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) {
      kernels.use(c.kernelSet);
      const tensors = tf.memory().numTensors;
      const times = await timedStep(c.model, batches[i % batches.length]);
      if (i >= settings.warmup) c.times.push(times);
      if (i > 0 && tf.memory().numTensors !== tensors) console.warn(`  ${c.label}: ${tf.memory().numTensors - tensors} tensors leaked`);
    }
  }
  for (const c of contenders) {
    const name = contenders.length > 1 ? `${key} (${c.label})` : key;
    console.log(`${name.padEnd(28)} ${summary(c.times.map((t) => t.total))}`);
    console.log(`  ${'CPU time'.padEnd(26)} ${summary(c.times.map((t) => t.cpu))}`);
    c.model.phases.forEach((phase, p) => {
      console.log(`  ${`${phase.name} compute`.padEnd(26)} ${summary(c.times.map((t) => t.phases[p].compute))}`);
      console.log(`  ${`${phase.name} apply`.padEnd(26)} ${summary(c.times.map((t) => t.phases[p].apply))}`);
    });
    c.model.dispose();
  }
  if (contenders.length === 2) {
    const ratio = (pick: (t: StepTimes) => number) => {
      const [a, b] = contenders.map((c) => stats(c.times.map(pick)));
      return a.map((v, i) => (v / b[i]).toFixed(2).padStart(8)).join(' ');
    };
    console.log(`${`ratio ${contenders[0].label} / ${contenders[1].label}`}`);
    console.log(`  ${'wall'.padEnd(26)} ${ratio((t) => t.total)}`);
    console.log(`  ${'CPU time'.padEnd(26)} ${ratio((t) => t.cpu)}`);
  }
}

async function loadVersion(dir: string): Promise<ModelsVersion> {
  const index = resolve(dir, 'libs/models/src/index.ts');
  const other = (await import(index)) as Partial<ModelsVersion>;
  if (typeof other.registerTrainingKernels !== 'function' || other.Dcgan === undefined) {
    throw new Error(`--against ${dir}: ${index} does not export registerTrainingKernels and the models.`);
  }
  return { ...(other as ModelsVersion), label: dir };
}

async function main(): Promise<void> {
  const settings = parseArgs(process.argv.slice(2));
  const choice = await selectBackend({ requested: 'wasm' });
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const versions: ModelsVersion[] = [{ label: 'this tree', registerTrainingKernels, Dcgan, ConvVae, RowLstm }];
  if (settings.against !== undefined) versions.unshift(await loadVersion(settings.against));
  const kernels = new KernelSetSwitch('wasm');
  const kernelSets = versions.map((v) => kernels.capture(v.registerTrainingKernels));
  console.log(`tfjs ${tf.version.tfjs}, ${choice.name}, SIMD ${simd}, batch ${settings.batch}, ${settings.warmup} warm-up + ${settings.steps} timed steps`);
  if (versions.length > 1) console.log(`interleaved step by step: ${versions.map((v) => v.label).join(' and ')}`);
  console.log(`${cpus().length} CPUs (${cpus()[0]?.model}), load average ${loadavg()[0].toFixed(2)} at start\n`);
  console.log(`${'ms per step'.padEnd(28)} ${'min'.padStart(8)} ${'median'.padStart(8)} ${'max'.padStart(8)}`);
  for (const key of settings.models) {
    const contenders = versions.map((v, i) => {
      kernels.use(kernelSets[i]);
      return { label: v.label, model: build(v, key), kernelSet: kernelSets[i], times: [] };
    });
    await timeModel(key, contenders, kernels, settings);
  }
  console.log(`\nload average ${loadavg()[0].toFixed(2)} at end`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
