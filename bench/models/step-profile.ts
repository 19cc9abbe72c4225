/**
 * Per-kernel profile of a training step (issue 5, "per-op profiling of a
 * step"): which kernels a step of a model runs on WASM, one thread, batch
 * 64, and how much of the step each takes. Run:
 *
 *   npx tsx bench/step-profile.ts conv-vae [--steps 10] [--warmup 3] [--batch 64] [--top 25] [--data random|fashion]
 *
 * Each profiled step goes through tf.profile, which times every kernel
 * call (tfjs's backend.time around the kernel: exact on WASM, where kernels
 * are synchronous). Rows group kernel calls by name and input shapes; the
 * times are summed over a step and taken as the median over the profiled
 * steps. The last line compares the kernels' total with the step's wall
 * time: the difference is JavaScript around the kernels (tape, tidy, op
 * wrappers, optimizer bookkeeping).
 */
import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { FashionMnistDataset, gatherBatch, ShardedSampler } from '@ganglion/data';
import { selectBackend, type GenerativeModel, type TrainingBatch } from '@ganglion/models';
import { startStopwatch, timeStepAsync } from '../harness/stopwatch';
import { bareStep } from './bare-step';
import { modelCase } from './model-cases';
import { summaryStats } from '../report/summary-stats';

interface ProfileSettings {
  model: string;
  steps: number;
  warmup: number;
  batch: number;
  top: number;
  data: 'random' | 'fashion';
}

function parseArgs(argv: readonly string[]): ProfileSettings {
  const settings: ProfileSettings = { model: 'conv-vae', steps: 10, warmup: 3, batch: 64, top: 25, data: 'fashion' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--steps' || arg === '--warmup' || arg === '--batch' || arg === '--top') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 0) throw new Error(`${arg} needs a non-negative integer, got '${argv[i]}'.`);
      settings[arg.slice(2) as 'steps' | 'warmup' | 'batch' | 'top'] = value;
    } else if (arg === '--data') {
      const value = argv[++i];
      if (value !== 'random' && value !== 'fashion') throw new Error(`--data is random or fashion, got '${value}'.`);
      settings.data = value;
    } else if (!arg.startsWith('--')) {
      settings.model = arg;
    } else {
      throw new Error(`Unknown option '${arg}'. Use --steps, --warmup, --batch, --top, --data.`);
    }
  }
  return settings;
}

async function batchesFor(model: GenerativeModel, settings: ProfileSettings, count: number): Promise<TrainingBatch[]> {
  const pixels = model.imageShape.reduce((a, b) => a * b, 1);
  if (settings.data === 'random') {
    const [low, high] = model.pixelRange;
    let state = 12345;
    return Array.from({ length: count }, (_, step) => {
      const images = Float32Array.from({ length: settings.batch * pixels }, () => {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        return low + (state / 2 ** 32) * (high - low);
      });
      const sampleIndices = Int32Array.from({ length: settings.batch }, (_, i) => step * settings.batch + i);
      return { images, count: settings.batch, sampleIndices, step };
    });
  }
  const images = await new FashionMnistDataset({ source: 'bundled', split: 'train' }).load();
  const sampler = new ShardedSampler({ datasetSize: images.count, globalBatchSize: settings.batch, seed: 8 });
  return Array.from({ length: count }, (_, step) => {
    const sampleIndices = sampler.globalIndices(step);
    return { images: gatherBatch(images, sampleIndices, model.pixelRange), count: settings.batch, sampleIndices, step };
  });
}

async function main(): Promise<void> {
  const settings = parseArgs(process.argv.slice(2));
  await selectBackend({ requested: 'wasm' });
  const model = new (modelCase(settings.model).type)({ seed: 7 });
  const batches = await batchesFor(model, settings, settings.warmup + settings.steps);
  for (let i = 0; i < settings.warmup; i++) await bareStep(model, batches[i]);

  const perStep = new Map<string, number[]>();
  const calls = new Map<string, number>();
  const kernelTotals: number[] = [];
  const walls: number[] = [];
  const plainWalls: number[] = [];
  for (let i = 0; i < settings.steps; i++) {
    const batch = batches[settings.warmup + i];
    plainWalls.push((await timeStepAsync(() => bareStep(model, batch))).wallMs);
    const profiled = startStopwatch();
    const info = await tf.profile(() => bareStep(model, batch));
    walls.push(profiled().wallMs);
    const sums = new Map<string, number>();
    let total = 0;
    for (const k of info.kernels) {
      const time = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join(' ')}`;
      sums.set(key, (sums.get(key) ?? 0) + time);
      if (i === 0) calls.set(key, (calls.get(key) ?? 0) + 1);
      total += time;
    }
    for (const [key, sum] of sums) perStep.set(key, [...(perStep.get(key) ?? []), sum]);
    kernelTotals.push(total);
  }
  const rows = [...perStep.entries()]
    .map(([key, times]) => ({ key, ms: summaryStats(times).median, calls: calls.get(key) ?? 0 }))
    .sort((a, b) => b.ms - a.ms);
  const kernelMedian = summaryStats(kernelTotals).median;
  console.log(`${settings.model}, batch ${settings.batch}, ${settings.data} data, median of ${settings.steps} profiled steps, load ${loadavg()[0].toFixed(2)}`);
  console.log(`${'ms/step'.padStart(8)} ${'%'.padStart(5)} ${'calls'.padStart(5)}  kernel [input shapes]`);
  for (const row of rows.slice(0, settings.top)) {
    console.log(`${row.ms.toFixed(2).padStart(8)} ${((100 * row.ms) / kernelMedian).toFixed(1).padStart(5)} ${String(row.calls).padStart(5)}  ${row.key}`);
  }
  const byName = new Map<string, number>();
  for (const row of rows) {
    const name = row.key.split(' ')[0];
    byName.set(name, (byName.get(name) ?? 0) + row.ms);
  }
  console.log('\nby kernel name:');
  for (const [name, ms] of [...byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, settings.top)) {
    console.log(`${ms.toFixed(2).padStart(8)} ${((100 * ms) / kernelMedian).toFixed(1).padStart(5)}  ${name}`);
  }
  const calls0 = [...calls.values()].reduce((a, b) => a + b, 0);
  console.log(
    `\nkernels ${kernelMedian.toFixed(1)} ms in ${calls0} calls; profiled step ${summaryStats(walls).median.toFixed(1)} ms; ` +
      `unprofiled step ${summaryStats(plainWalls).median.toFixed(1)} ms (min ${summaryStats(plainWalls).min.toFixed(1)})`,
  );
  model.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
