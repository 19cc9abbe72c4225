/**
 * Child process of the suite: times training steps of one model on one
 * backend, batch 64, one thread. Usage (the suite forks it; run by hand
 * to see the JSON it would reply):
 *
 *   npx tsx bench/model-step-child.ts '{"model":"conv-vae","backend":"wasm","warmup":3,"steps":20,"withTrainer":true}'
 *
 * Without the Trainer it times bare steps only (each phase's
 * computeGradients and applyGradients on pre-gathered batches). With it,
 * it runs Ganglion's 1-worker Trainer (batch gathering, sampler, identity
 * synchronizer, metrics.jsonl, logging) and one bare step before each
 * Trainer step on the same model, so both see the same machine noise.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerModule } from 'inversify';
import * as tf from '@tensorflow/tfjs';
import { FashionMnistDataset, gatherBatch, ShardedSampler, type ImageSet } from '@ganglion/data';
import { GenerativeModel, selectBackend, type BackendName, type TrainingBatch } from '@ganglion/models';
import {
  createLogger,
  createTrainingContainer,
  definePipeline,
  loadRunModules,
  MetricsSink,
  runModule,
  runPathsFor,
  StepGate,
  Trainer,
  TrainingImages,
} from '@ganglion/pipeline';
import { timeStepAsync, type StepTime } from '../harness/stopwatch';
import { bareStep } from './bare-step';
import { peakRssMiB, replyToParent } from '../harness/child-process';
import { InterleavingStepGate } from './interleaving-step-gate';
import { modelCase, type ModelKey } from './model-cases';
import { NoopModel } from './noop-model';

/** What the parent asks for. */
export interface ModelStepRequest {
  readonly model: ModelKey;
  readonly backend: BackendName;
  /** Untimed steps first (JIT, XNNPACK caches, the Trainer's first permutation). */
  readonly warmup: number;
  /** Timed steps (of each kind when withTrainer). */
  readonly steps: number;
  /** Also run Ganglion's Trainer, interleaved with the bare steps. */
  readonly withTrainer: boolean;
  readonly batchSize?: number;
}

/** What the child replies. */
export interface ModelStepResult {
  readonly backend: string;
  /** The backend's own account of itself (SIMD, threads). */
  readonly backendDetail: string;
  readonly threads: number | undefined;
  readonly parameterCount: number;
  /** Bare step times after warm-up. */
  readonly bare: StepTime[];
  /** Trainer step times after warm-up; the i-th ran right after bare[i]. */
  readonly trainer?: StepTime[];
  /** Trainer step times with a NoopModel in place of the model: the framework's own work per step. */
  readonly framework?: StepTime[];
  /** Tensors alive after the timed steps minus before them (0 unless something leaks). */
  readonly tensorGrowth: number;
  readonly peakRssMiB: number;
}

const SEED = 7;
/** Steps of the Trainer with a NoopModel (about 1 ms each), and how many of them to leave out first. */
const NOOP_STEPS = 200;
const NOOP_WARMUP = 20;

async function main(request: ModelStepRequest): Promise<ModelStepResult> {
  const batchSize = request.batchSize ?? 64;
  const choice = await selectBackend({ requested: request.backend });
  const images = await new FashionMnistDataset({ source: 'bundled', split: 'train' }).load();
  const spec = modelCase(request.model);
  const total = request.warmup + request.steps;
  const batches = preGather(images, spec.type, total, batchSize);

  let model: GenerativeModel | undefined;
  const bareTimes: StepTime[] = [];
  let trainerTimes: StepTime[] | undefined;
  let tensorsBefore = 0;
  const bare = async (model: GenerativeModel, step: number) => {
    if (step === request.warmup) tensorsBefore = tf.memory().numTensors;
    const time = await timeStepAsync(() => bareStep(model, batches[step]));
    if (step >= request.warmup) bareTimes.push(time);
  };

  let framework: StepTime[] | undefined;
  if (request.withTrainer) {
    const holder: { model?: GenerativeModel } = {};
    const gate = new InterleavingStepGate((step) => bare(holder.model as GenerativeModel, step));
    model = await runTrainer({ request, batchSize, steps: total, images, gate, onModel: (m) => (holder.model = m) });
    trainerTimes = gate.trainerTimes.slice(request.warmup);
    framework = await frameworkTimes(request, batchSize, images, model);
  } else {
    model = new spec.type({ seed: SEED });
    for (let step = 0; step < total; step++) await bare(model, step);
  }
  const tensorGrowth = tf.memory().numTensors - tensorsBefore;
  const result: ModelStepResult = {
    backend: choice.name,
    backendDetail: choice.reason,
    threads: choice.threads,
    parameterCount: model.parameterCount(),
    bare: bareTimes,
    ...(trainerTimes === undefined ? {} : { trainer: trainerTimes }),
    ...(framework === undefined ? {} : { framework }),
    tensorGrowth,
    peakRssMiB: peakRssMiB(),
  };
  model.dispose();
  return result;
}

/** The batches the bare loop trains on, gathered before any timing. */
function preGather(images: ImageSet, type: { new (o: { seed?: number }): GenerativeModel }, count: number, batchSize: number): TrainingBatch[] {
  const probe = new type({ seed: SEED });
  const range = probe.pixelRange;
  probe.dispose();
  const sampler = new ShardedSampler({ datasetSize: images.count, globalBatchSize: batchSize, seed: SEED + 1 });
  return Array.from({ length: count }, (_, step) => {
    const sampleIndices = sampler.globalIndices(step);
    return { images: gatherBatch(images, sampleIndices, range), count: batchSize, sampleIndices, step };
  });
}

/** One Trainer run of the suite. */
interface TrainerRun {
  readonly request: ModelStepRequest;
  readonly batchSize: number;
  readonly steps: number;
  readonly images: ImageSet;
  readonly gate: InterleavingStepGate;
  /** Trains this model instead of the one the pipeline names (as a pipeline override would). */
  readonly model?: GenerativeModel;
  /** Called with the model the run trains, before the first step. */
  readonly onModel?: (model: GenerativeModel) => void;
}

/**
 * Builds a run the way `ganglion train` does (the libs' modules, the
 * run's module, then the pipeline's overrides: here the StepGate, and the
 * model when one is given) and trains it. Resolves with the model trained.
 */
async function runTrainer(run: TrainerRun): Promise<GenerativeModel> {
  const spec = modelCase(run.request.model);
  const outputDir = mkdtempSync(join(tmpdir(), 'ganglion-bench-'));
  const definition = definePipeline({
    name: `bench-${spec.key}`,
    model: { type: spec.type, options: { seed: SEED } },
    dataset: { type: FashionMnistDataset, options: { source: 'bundled', split: 'train' } },
    batchSize: run.batchSize,
    steps: run.steps,
    seed: SEED,
    sampleEvery: 0,
    overrides: new ContainerModule(({ rebindSync }) => {
      rebindSync(StepGate).toConstantValue(run.gate);
      if (run.model !== undefined) rebindSync(GenerativeModel).toConstantValue(run.model);
    }),
  });
  const paths = runPathsFor(outputDir, definition.settings.name, new Date());
  const logger = createLogger({ format: 'json', file: paths.log });
  const container = createTrainingContainer();
  loadRunModules(container, definition, runModule({ definition, paths, logger }));
  container.bind(TrainingImages).toConstantValue(run.images);
  const model = container.get<GenerativeModel>(GenerativeModel);
  run.onModel?.(model);
  try {
    await container.get(Trainer).run();
    run.gate.finishTrainerStep();
    return model;
  } finally {
    container.get<MetricsSink>(MetricsSink).close();
    rmSync(outputDir, { recursive: true, force: true });
  }
}

/**
 * The framework's own time per step: the Trainer driving a NoopModel
 * with as many phases as `model`, at the same batch size and image shape.
 */
async function frameworkTimes(request: ModelStepRequest, batchSize: number, images: ImageSet, model: GenerativeModel): Promise<StepTime[]> {
  const noop = new NoopModel({ phases: model.phases.length, imageShape: model.imageShape, pixelRange: model.pixelRange });
  const gate = new InterleavingStepGate(async () => undefined);
  try {
    await runTrainer({ request, batchSize, steps: NOOP_WARMUP + NOOP_STEPS, images, gate, model: noop });
    return gate.trainerTimes.slice(NOOP_WARMUP);
  } finally {
    noop.dispose();
  }
}

replyToParent(() => main(JSON.parse(process.argv[2] ?? '{}') as ModelStepRequest));
