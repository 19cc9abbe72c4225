import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs';
import { Container, ContainerModule } from 'inversify';
import pino from 'pino';
import { dataModule, syntheticImages, UNIT_RANGE, type ImageSet } from '@ganglion/data';
import { GenerativeModel, GradientPhase, type TrainingPhase } from '@ganglion/models';
import { CheckpointStore, type CheckpointRequest } from './checkpoints/checkpoint-store';
import { Clock } from './clock';
import { GradientSynchronizer, type PhaseKey, type SynchronizedGradients } from './gradient-synchronizer';
import { createLogger, Logger } from './logger';
import { MetricsSink, type StepMetrics } from './metrics-sink';
import { definePipeline, PipelineSettings } from './pipeline-definition';
import { pipelineModule } from './pipeline-module';
import { ProgressReporter } from './progress/progress-reporter';
import { SampleWriter } from './sample-writer';
import { StepGate } from './step-gate';
import { Trainer, TrainingImages } from './trainer';
import { TrainingListener, type TrainingRun } from './training-listener';

/**
 * A tiny real tfjs model: one phase that pulls a 4x4 "mean image" towards
 * the batch. Small enough to run many steps in milliseconds on tfjs's cpu
 * backend, real enough to exercise gradients, optimizers and disposal.
 */
class MeanImageModel implements GenerativeModel {
  readonly name = 'mean-image';
  readonly pixelRange = UNIT_RANGE;
  readonly imageShape = [4, 4, 1] as const;
  readonly networks = {};
  readonly phases: TrainingPhase[];
  private readonly mean = tf.variable(tf.zeros([1, 4, 4, 1]), true, `mean_${Math.random()}`);

  /** `nanAtStep`: the loss (and so the gradient) is NaN at that step. */
  constructor(nanAtStep = -1) {
    this.phases = [
      new GradientPhase('fit', [{ name: 'mean', variable: this.mean }], tf.train.sgd(0.5), (batch) =>
        tf.tidy(() => {
          const images = tf.tensor4d(batch.images, [batch.count, 4, 4, 1]);
          const loss = tf.mean(tf.square(tf.sub(images, this.mean))) as tf.Scalar;
          return batch.step === nanAtStep ? (tf.mul(loss, tf.scalar(NaN)) as tf.Scalar) : loss;
        }),
      ),
    ];
  }

  parameterCount(): number {
    return 16;
  }

  sample(count: number): tf.Tensor4D {
    return tf.tidy(() => tf.tile(this.mean, [count, 1, 1, 1]) as tf.Tensor4D);
  }

  getConfig(): Record<string, unknown> {
    return {};
  }

  dispose(): void {
    this.mean.dispose();
  }
}

class RecordingSynchronizer implements GradientSynchronizer {
  readonly calls: Array<{ key: PhaseKey; sampleCount: number }> = [];

  async synchronize(key: PhaseKey, gradients: tf.Tensor[], loss: number, sampleCount: number): Promise<SynchronizedGradients> {
    this.calls.push({ key, sampleCount });
    return { gradients, loss, reduceMs: 0 };
  }
}

class RecordingMetrics implements MetricsSink {
  readonly lines: StepMetrics[] = [];
  constructor(private readonly events?: string[]) {}
  write(metrics: StepMetrics): void {
    this.lines.push(metrics);
    this.events?.push(`metrics ${metrics.step}`);
  }
  close(): void {}
}

class RecordingSamples implements SampleWriter {
  readonly steps: number[] = [];
  readonly means: number[] = [];
  constructor(private readonly events?: string[]) {}
  async write(model: GenerativeModel, step: number, count: number): Promise<string> {
    this.means.push(tf.tidy(() => model.sample(count, 0).mean().dataSync()[0]));
    this.steps.push(step);
    this.events?.push(`sample ${step}`);
    return `step-${step}.png`;
  }
}

/** Stops the loop before `stopAt`. */
class StoppingGate implements StepGate {
  readonly seen: number[] = [];
  constructor(
    private readonly stopAt: number,
    private readonly events?: string[],
  ) {}
  async beforeStep(step: number): Promise<boolean> {
    this.events?.push(`before ${step}`);
    return step < this.stopAt;
  }
  async afterStep(step: number): Promise<void> {
    this.seen.push(step);
    this.events?.push(`gate ${step}`);
  }
}

/** Records what it is asked to save, as rank 0's CheckpointStore would be. */
class RecordingCheckpoints implements CheckpointStore {
  readonly requests: CheckpointRequest[] = [];
  constructor(private readonly events?: string[]) {}
  async save(_model: GenerativeModel, request: CheckpointRequest): Promise<string> {
    this.requests.push(request);
    this.events?.push(`checkpoint ${request.step}`);
    return `step-${request.step}`;
  }
}

/** Records the progress a ProgressReporter is shown. */
function recordingProgress(events: string[]): ProgressReporter {
  return {
    start: (total, start) => events.push(`start ${start}/${total}`),
    update: (metrics) => events.push(`progress ${metrics.step}`),
    stop: () => events.push('stop'),
  };
}

function buildTrainer(options: {
  images?: ImageSet;
  steps?: number;
  gate?: StepGate;
  batchSize?: number;
  nanAtStep?: number;
  nonFiniteGradients?: 'skip' | 'stop';
  logger?: Logger;
  progress?: ProgressReporter;
  checkpointEvery?: number;
  checkpoints?: CheckpointStore;
  listeners?: TrainingListener[];
  events?: string[];
}) {
  const definition = definePipeline({
    name: 'unit',
    model: { type: MeanImageModel },
    dataset: { type: Object as never },
    batchSize: options.batchSize ?? 8,
    steps: options.steps ?? 12,
    sampleEvery: 5,
    sampleCount: 4,
    logEvery: 4,
    ...(options.checkpointEvery !== undefined ? { checkpointEvery: options.checkpointEvery } : {}),
    ...(options.nonFiniteGradients !== undefined ? { nonFiniteGradients: options.nonFiniteGradients } : {}),
  });
  const synchronizer = new RecordingSynchronizer();
  const metrics = new RecordingMetrics(options.events);
  const samples = new RecordingSamples(options.events);
  const model = new MeanImageModel(options.nanAtStep);
  const container = new Container();
  container.loadSync(dataModule, pipelineModule);
  container.loadSync(
    new ContainerModule(({ bind, rebindSync }) => {
      bind(PipelineSettings).toConstantValue(definition.settings);
      bind(Logger).toConstantValue(options.logger ?? createLogger({ format: 'json', level: 'silent' }));
      bind(TrainingImages).toConstantValue(options.images ?? syntheticImages({ count: 40, height: 4, width: 4, channels: 1, seed: 3 }));
      bind(GenerativeModel).toConstantValue(model);
      bind(MetricsSink).toConstantValue(metrics);
      bind(SampleWriter).toConstantValue(samples);
      rebindSync(GradientSynchronizer).toConstantValue(synchronizer);
      if (options.gate !== undefined) rebindSync(StepGate).toConstantValue(options.gate);
      if (options.progress !== undefined) rebindSync(ProgressReporter).toConstantValue(options.progress);
      if (options.checkpoints !== undefined) bind(CheckpointStore).toConstantValue(options.checkpoints);
      for (const listener of options.listeners ?? []) bind(TrainingListener).toConstantValue(listener);
    }),
  );
  return { trainer: container.get(Trainer), synchronizer, metrics, samples, model, clock: container.get<Clock>(Clock) };
}

describe('Trainer', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('runs every step, reduces each phase with the local sample count, and writes one metrics line per step', async () => {
    const { trainer, synchronizer, metrics, model } = buildTrainer({ steps: 12 });
    const summary = await trainer.run();
    expect(summary.steps).toBe(12);
    expect(metrics.lines.map((m) => m.step)).toEqual([...Array(12).keys()]);
    expect(synchronizer.calls).toHaveLength(12);
    expect(synchronizer.calls[3]).toEqual({ key: { step: 3, phaseIndex: 0, phaseName: 'fit' }, sampleCount: 8 });
    expect(metrics.lines.every((m) => m.stepMs > 0 && m.samplesPerSecond > 0 && m.reduceMs === undefined)).toBe(true);
    expect(summary.finalLosses.fit).toBeLessThan(summary.firstLosses.fit);
    model.dispose();
  });

  it('writes sample grids every sampleEvery steps and at the end, from the model as trained so far', async () => {
    const { trainer, samples, model } = buildTrainer({ steps: 12 });
    const summary = await trainer.run();
    expect(samples.steps).toEqual([5, 10, 12]);
    expect(summary.samples).toEqual(['step-5.png', 'step-10.png', 'step-12.png']);
    expect(samples.means[0]).toBeGreaterThan(0);
    model.dispose();
  });

  it('leaks no tensors across steps', async () => {
    const { trainer, model } = buildTrainer({ steps: 12 });
    await trainer.run(9); // warm up: the optimizer makes its state on the first update
    const afterWarmUp = tf.memory().numTensors;
    await trainer.run(0); // 12 more steps, with sample grids
    expect(tf.memory().numTensors).toBe(afterWarmUp);
    model.dispose();
  });

  it('stops when the StepGate says so and reports the steps it trained', async () => {
    const gate = new StoppingGate(4);
    const { trainer, metrics, model } = buildTrainer({ steps: 12, gate });
    const summary = await trainer.run();
    expect(summary.steps).toBe(4);
    expect(gate.seen).toEqual([0, 1, 2, 3]);
    expect(metrics.lines).toHaveLength(4);
    model.dispose();
  });

  it('drives a bound ProgressReporter (start, every step, stop) instead of logging progress lines', async () => {
    const calls: string[] = [];
    const progress: ProgressReporter = {
      start: (total, start) => calls.push(`start ${start}/${total}`),
      update: (metrics) => calls.push(`update ${metrics.step}`),
      stop: () => calls.push('stop'),
    };
    const lines: string[] = [];
    const logger: Logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const { trainer, model } = buildTrainer({ steps: 12, progress, logger });
    await trainer.run(9);
    expect(calls).toEqual(['start 9/12', 'update 9', 'update 10', 'update 11', 'stop']);
    expect(lines.join('')).not.toContain('ms/step');
    model.dispose();
  });

  it('calls its listeners in binding order: metrics line, step gate, progress, samples, checkpoints, then any a run adds', async () => {
    const events: string[] = [];
    const added: TrainingListener = {
      onTrainStart: (run) => events.push(`added start ${run.startStep}/${run.totalSteps}`),
      onStepEnd: (_run, metrics) => {
        events.push(`added ${metrics.step}`);
      },
      onTrainEnd: () => events.push('added end'),
    };
    const checkpoints = new RecordingCheckpoints(events);
    const { trainer, model } = buildTrainer({
      steps: 12,
      events,
      gate: new StoppingGate(99, events),
      progress: recordingProgress(events),
      checkpoints,
      checkpointEvery: 5,
      listeners: [added],
    });
    const summary = await trainer.run(8);
    expect(events).toEqual([
      'start 8/12',
      'added start 8/12',
      ...[8, 9, 10, 11].flatMap((step) => {
        const done = step + 1;
        return [
          `before ${step}`,
          `metrics ${step}`,
          `gate ${step}`,
          `progress ${step}`,
          ...(done % 5 === 0 || done === 12 ? [`sample ${done}`, `checkpoint ${done}`] : []),
          `added ${step}`,
        ];
      }),
      'stop',
      'added end',
    ]);
    expect(summary.samples).toEqual(['step-10.png', 'step-12.png']);
    expect(summary.checkpoints).toEqual(['step-10', 'step-12']);
    expect(checkpoints.requests[0]).toEqual({ step: 10, epoch: 2, batchInEpoch: 0, worldSize: 1, generation: 0 });
    model.dispose();
  });

  it('stops before a step when a listener says no, and still ends every listener', async () => {
    const events: string[] = [];
    const stopper: TrainingListener = { onStepStart: async (_run: TrainingRun, step: number) => step < 2 };
    const { trainer, metrics, model } = buildTrainer({ steps: 12, progress: recordingProgress(events), listeners: [stopper] });
    const summary = await trainer.run();
    expect(summary.steps).toBe(2);
    expect(metrics.lines.map((m) => m.step)).toEqual([0, 1]);
    expect(events.at(-1)).toBe('stop');
    model.dispose();
  });

  it('starts at a given step', async () => {
    const { trainer, metrics, model } = buildTrainer({ steps: 12 });
    await trainer.run(9);
    expect(metrics.lines.map((m) => m.step)).toEqual([9, 10, 11]);
    model.dispose();
  });

  it('refuses images of another shape than the model draws, saying which option to change', async () => {
    const images = syntheticImages({ count: 16, height: 5, width: 4, channels: 1, seed: 1 });
    const { trainer, model } = buildTrainer({ images });
    await expect(trainer.run()).rejects.toThrow(/has 5x4x1 images but the model "mean-image" expects 4x4x1\. Set the model's imageShape option/);
    model.dispose();
  });

  it("skips a phase whose averaged gradient is NaN with a warning naming step and phase, under nonFiniteGradients: 'skip'", async () => {
    const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const logger = createLogger({ format: 'json', level: 'silent' });
    logger.warn = ((fields: Record<string, unknown>, message: string) => {
      warnings.push({ fields, message });
    }) as unknown as typeof logger.warn;
    const { trainer, metrics, model } = buildTrainer({ steps: 6, nanAtStep: 2, nonFiniteGradients: 'skip', logger });
    const weights = () => Array.from(tf.tidy(() => model.sample(1)).dataSync());
    const summary = await trainer.run();
    expect(summary.steps).toBe(6);
    expect(metrics.lines.map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Number.isNaN(metrics.lines[2].losses.fit)).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].fields).toMatchObject({ step: 2, phase: 'fit', nonFinite: true });
    expect(warnings[0].message).toMatch(/step 2 phase fit: .*NaN or Inf; skipped/);
    expect(weights().every(Number.isFinite)).toBe(true);
    model.dispose();
  });

  it('skipping a NaN step leaves the weights exactly as they were before that step', async () => {
    const skipped = buildTrainer({ steps: 3, nanAtStep: 2, nonFiniteGradients: 'skip' });
    const reference = buildTrainer({ steps: 2 });
    await skipped.trainer.run();
    await reference.trainer.run();
    const values = (m: MeanImageModel) => Array.from(tf.tidy(() => m.sample(1)).dataSync());
    expect(values(skipped.model)).toEqual(values(reference.model));
    skipped.model.dispose();
    reference.model.dispose();
  });

  it("stops with a clear error on a NaN gradient by default ('stop')", async () => {
    const { trainer, metrics, model } = buildTrainer({ steps: 6, nanAtStep: 2 });
    await expect(trainer.run()).rejects.toThrow(/Step 2, phase fit: the averaged gradient or loss is NaN or Inf, so the update was not applied\..*--non-finite skip/);
    expect(metrics.lines.map((m) => m.step)).toEqual([0, 1]);
    const weights = Array.from(tf.tidy(() => model.sample(1)).dataSync());
    expect(weights.every(Number.isFinite)).toBe(true);
    model.dispose();
  });
});
