/**
 * The webgpu bench section (issue 12): ms per training step of each model on
 * tfjs's WebGPU backend, the first step (WGSL shader compilation and
 * pipeline creation for every kernel and shape, then the step) apart from
 * the steady state. Runs on whatever adapter `--backend webgpu` gets here
 * (`ganglion backend --backend webgpu` says which); on a software GPU
 * (llvmpipe) the figures measure a CPU running shaders, not a GPU.
 *
 *   npm run bench:webgpu [-- --batch 16] [-- --steps 3] [-- --backend wasm]
 *
 * `--backend wasm` (or cpu) times the same steps on another backend for
 * comparison. Steps run one after another in this process; models at their
 * default (Fashion-MNIST, 28x28x1) size, random [0, 1) pixels.
 */
import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type GenerativeModel, type RequestedBackend, type TrainingBatch } from '@ganglion/models';
import { timeStepAsync } from '../harness/stopwatch';
import { summaryStats } from '../report/summary-stats';
import { formatStats, textTable } from '../report/text-table';
import { bareStep } from './bare-step';
import { MODEL_CASES } from './model-cases';

interface Settings {
  batch: number;
  steps: number;
  backend: RequestedBackend;
}

function parseArgs(argv: readonly string[]): Settings {
  const settings: Settings = { batch: 16, steps: 3, backend: 'webgpu' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--batch' || flag === '--steps') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} takes a whole number ≥ 1, got '${value}'.`);
      settings[flag === '--batch' ? 'batch' : 'steps'] = n;
    } else if (flag === '--backend') settings.backend = value as RequestedBackend;
    else throw new Error(`Unknown argument '${flag}'. Use --batch <n>, --steps <n>, --backend <name>.`);
  }
  return settings;
}

/** A batch of random pixels in the model's range, keyed by `step`. */
function randomBatch(model: GenerativeModel, count: number, step: number): TrainingBatch {
  const [height, width, channels] = model.imageShape;
  const [low, high] = model.pixelRange;
  let state = 12345 + step;
  const images = Float32Array.from({ length: count * height * width * channels }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return low + (state / 4294967296) * (high - low);
  });
  return { images, count, sampleIndices: Int32Array.from({ length: count }, (_, i) => step * count + i), step };
}

async function main(): Promise<void> {
  const settings = parseArgs(process.argv.slice(2));
  const choice = await selectBackend({ requested: settings.backend });
  console.log(`backend ${choice.name}: ${choice.reason}`);
  console.log(`batch ${settings.batch}, 1 first step + ${settings.steps} timed steps per model\n`);
  const rows: string[][] = [];
  for (const modelCase of MODEL_CASES) {
    const model = new modelCase.type({ seed: 7 });
    const first = await timeStepAsync(() => bareStep(model, randomBatch(model, settings.batch, 0)));
    const tensors = tf.memory().numTensors;
    const steady: number[] = [];
    for (let step = 1; step <= settings.steps; step++) {
      steady.push((await timeStepAsync(() => bareStep(model, randomBatch(model, settings.batch, step)))).wallMs);
    }
    const stats = summaryStats(steady);
    const growth = tf.memory().numTensors - tensors;
    rows.push([modelCase.label, first.wallMs.toFixed(0), formatStats(stats, 0), (first.wallMs - stats.median).toFixed(0), String(growth)]);
    console.log(`${modelCase.label}: first step ${first.wallMs.toFixed(0)} ms, then ${formatStats(stats, 0)} ms (min / median / max)`);
    model.dispose();
  }
  console.log(`\n${textTable(['model', 'first step ms', 'steady ms/step min / median / max', 'first − median ms', 'tensor growth'], rows)}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
