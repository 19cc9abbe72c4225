import * as tf from '@tensorflow/tfjs';
import { inject, injectable, multiInject, optional } from 'inversify';
import { BatchPrefetcher, SamplerFactory, splitEvenly, type BatchSampler, type ImageSet } from '@ganglion/data';
import { GenerativeModel, type TrainingBatch } from '@ganglion/models';
import { Clock } from './clock';
import { GradientSynchronizer } from './gradient-synchronizer';
import { Logger } from './logger';
import type { StepMetrics } from './metrics-sink';
import { PipelineSettings } from './pipeline-definition';
import { ProcessGroup } from './process-group';
import { meanLosses, median } from './step-statistics';
import { TrainingListener, type TrainingRun } from './training-listener';

/** DI token for the images a run trains on, loaded before the container is built. */
export const TrainingImages = Symbol('TrainingImages');

/** What a finished run reports. */
export interface TrainingSummary {
  /** Steps trained by this call (fewer than asked when the StepGate stopped it). */
  readonly steps: number;
  /** Losses of the first step, by phase. */
  readonly firstLosses: Readonly<Record<string, number>>;
  /** Mean losses over the last `logEvery` steps, by phase. */
  readonly finalLosses: Readonly<Record<string, number>>;
  /** Median wall time of a step, in ms. */
  readonly medianStepMs: number;
  /** Sample grids written, in order. */
  readonly samples: readonly string[];
  /** Checkpoint folders written, in order (empty without a CheckpointStore). */
  readonly checkpoints: readonly string[];
}

/**
 * The training loop. Each step takes this rank's slice of the global batch,
 * and for each phase of the model (the GAN's discriminator then generator,
 * the VAE's or the RNN's one) computes gradients of the local mean loss,
 * has the GradientSynchronizer average them over all ranks by sample
 * count, and applies the same update everywhere. What happens around the
 * steps (the metrics line, the step gate, progress, sample grids,
 * checkpoints) is done by the TrainingListeners bound, in binding order.
 */
@injectable()
export class Trainer {
  /** Local batches of the current run, with the next one prefetched. */
  private batches: BatchPrefetcher | undefined;

  constructor(
    @inject(GenerativeModel) private readonly model: GenerativeModel,
    @inject(TrainingImages) private readonly images: ImageSet,
    @inject(SamplerFactory) private readonly samplerFactory: SamplerFactory,
    @inject(GradientSynchronizer) private readonly synchronizer: GradientSynchronizer,
    @inject(ProcessGroup) private readonly group: ProcessGroup,
    @inject(Logger) private readonly logger: Logger,
    @inject(Clock) private readonly clock: Clock,
    @inject(PipelineSettings) private readonly settings: PipelineSettings,
    @multiInject(TrainingListener) @optional() private readonly listeners: readonly TrainingListener[] = [],
  ) {}

  /**
   * Trains steps `startStep`..steps-1; a resumed run passes the checkpoint's step (its weights already restored).
   * `startPhase` > 0 skips that many phases of the first step: they were applied before a data-parallel
   * job's membership changed mid-step (the state a worker received says so).
   */
  async run(startStep = 0, startPhase = 0): Promise<TrainingSummary> {
    const { steps, batchSize, seed, logEvery } = this.settings;
    this.checkImageShape();
    const sampler = this.samplerFactory({ datasetSize: this.images.count, globalBatchSize: batchSize, seed });
    const stepTimes: number[] = [];
    const recent: StepMetrics[] = [];
    const samples: string[] = [];
    const checkpoints: string[] = [];
    const run: TrainingRun = {
      model: this.model,
      startStep,
      totalSteps: steps,
      position: (at) => sampler.position(at),
      addSample: (file) => samples.push(file),
      addCheckpoint: (folder) => checkpoints.push(folder),
    };
    let firstLosses: Record<string, number> = {};

    let step = startStep;
    for (const listener of this.listeners) listener.onTrainStart?.(run);
    try {
      for (; step < steps; step++) {
        if (!(await this.mayStart(run, step))) break;
        const metrics = await this.trainStep(step, sampler, step === startStep ? startPhase : 0);
        for (const listener of this.listeners) await listener.onStepEnd?.(run, metrics);
        stepTimes.push(metrics.stepMs);
        recent.push(metrics);
        if (recent.length > logEvery) recent.shift();
        if (step === startStep) firstLosses = { ...metrics.losses };
      }
    } finally {
      for (const listener of this.listeners) listener.onTrainEnd?.(run);
      this.batches?.clear();
    }
    return {
      steps: step - startStep,
      firstLosses,
      finalLosses: meanLosses(recent),
      medianStepMs: median(stepTimes),
      samples,
      checkpoints,
    };
  }

  /** Asks each listener in turn whether `step` may start; the first to say no stops the run. */
  private async mayStart(run: TrainingRun, step: number): Promise<boolean> {
    for (const listener of this.listeners) {
      if (listener.onStepStart !== undefined && !(await listener.onStepStart(run, step))) return false;
    }
    return true;
  }

  /** One synchronous step: every phase computes, reduces and applies. */
  private async trainStep(step: number, sampler: BatchSampler, firstPhase = 0): Promise<StepMetrics> {
    const started = this.clock.now();
    const batch = this.localBatch(step, sampler);
    const losses: Record<string, number> = {};
    let reduceMs = 0;
    for (const [phaseIndex, phase] of this.model.phases.entries()) {
      if (phaseIndex < firstPhase) continue;
      const local = await phase.computeGradients(batch);
      const reduced = await this.synchronizer.synchronize(
        { step, phaseIndex, phaseName: phase.name },
        local.gradients,
        local.loss,
        batch.count,
      );
      try {
        if (await this.isFinite(reduced.gradients, reduced.loss)) phase.applyGradients(reduced.gradients);
        else this.refuseNonFinite(step, phase.name);
      } finally {
        for (const gradient of reduced.gradients) gradient.dispose();
      }
      losses[phase.name] = reduced.loss;
      reduceMs += reduced.reduceMs;
    }
    const stepMs = this.clock.now() - started;
    return {
      step,
      losses,
      stepMs,
      samplesPerSecond: (this.settings.batchSize * 1000) / stepMs,
      ...(this.group.worldSize() > 1 ? { reduceMs } : {}),
      time: this.clock.date().toISOString(),
    };
  }

  /** True when the loss and every element of every averaged gradient is finite (one read back per phase). */
  private async isFinite(gradients: readonly tf.Tensor[], loss: number): Promise<boolean> {
    if (!Number.isFinite(loss)) return false;
    if (gradients.length === 0) return true;
    const bad = tf.tidy(() => tf.addN(gradients.map((g) => tf.sum(tf.cast(tf.logicalNot(tf.isFinite(g)), 'int32')))));
    try {
      return (await bad.data())[0] === 0;
    } finally {
      bad.dispose();
    }
  }

  /**
   * Every rank sees the same averaged values, so every rank takes the same
   * branch here and the replicas stay identical.
   */
  private refuseNonFinite(step: number, phaseName: string): void {
    if (this.settings.nonFiniteGradients === 'skip') {
      this.logger.warn(
        { step, phase: phaseName, nonFinite: true },
        `step ${step} phase ${phaseName}: the averaged gradient or loss is NaN or Inf; skipped this update (nonFiniteGradients: 'skip')`,
      );
      return;
    }
    throw new Error(
      `Step ${step}, phase ${phaseName}: the averaged gradient or loss is NaN or Inf, so the update was not applied. ` +
        "Lower the learning rate or check the data; set nonFiniteGradients: 'skip' (--non-finite skip) to skip such updates instead of stopping.",
    );
  }

  /**
   * This rank's slice of the step's global batch. The next step's slice is
   * prefetched: gathered while this step waits on the gradient allreduce
   * (BatchPrefetcher; a membership change in between just gathers anew).
   */
  private localBatch(step: number, sampler: BatchSampler): TrainingBatch {
    const shardSizes = splitEvenly(this.settings.batchSize, this.group.worldSize());
    const rank = this.group.rank();
    if (this.batches?.sampler !== sampler) this.batches = new BatchPrefetcher(this.images, sampler, this.model.pixelRange);
    const { images, sampleIndices } = this.batches.take({ step, rank, shardSizes });
    if (step + 1 < this.settings.steps) this.batches.prefetch({ step: step + 1, rank, shardSizes });
    return { images, count: sampleIndices.length, sampleIndices, step };
  }

  private checkImageShape(): void {
    const [height, width, channels] = this.model.imageShape;
    const { height: h, width: w, channels: c } = this.images;
    if (h !== height || w !== width || c !== channels) {
      throw new Error(
        `The dataset "${this.images.name}" has ${h}x${w}x${c} images but the model "${this.model.name}" ` +
          `expects ${height}x${width}x${channels}. Set the model's imageShape option to [${h}, ${w}, ${c}] ` +
          'or choose a dataset of that size.',
      );
    }
  }
}
