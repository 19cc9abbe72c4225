import * as tf from '@tensorflow/tfjs';
import { SYMMETRIC_RANGE, type PixelRange } from '@ganglion/data';
import { createAdam } from '../adam-settings';
import { checkInteger } from '../check-options';
import type { GenerativeModel, TrainingBatch } from '../generative-model';
import { GradientPhase } from '../gradient-phase';
import { batchImages, checkBatch, type ImageShape } from '../image-shape';
import { samplingNormals, trainingNormals } from '../keyed-noise';
import { sigmoidCrossEntropyWithLogits } from '../losses/sigmoid-cross-entropy';
import { assertUniqueVariableNames, namedVariablesOf } from '../named-variables';
import { buildDiscriminator, buildGenerator } from './dcgan-networks';
import { dcganOptionsSchema, resolveDcganOptions, type DcganConfig, type DcganOptions } from './dcgan-options';
import { trainingForward } from './training-forward';

/** Phase numbers, part of the noise key (seed, step, phase, sample index). */
const DISCRIMINATOR_PHASE = 0;
const GENERATOR_PHASE = 1;

/**
 * A DCGAN (Radford et al. 2015, without batch norm) on logits: the
 * discriminator minimises sigmoid cross-entropy with real -> 1 and fake -> 0,
 * the generator the non-saturating loss fake -> 1. Two phases,
 * 'discriminator' then 'generator', each with its own Adam. Latent vectors
 * are keyed by (seed, step, phase, global sample index): one per real image
 * in the batch, so the GAN's batch splits across workers exactly.
 */
export class Dcgan implements GenerativeModel {
  /** Checks options by field (definePipeline reads this). */
  static readonly optionsSchema = dcganOptionsSchema;
  readonly name = 'dcgan';
  readonly pixelRange: PixelRange = SYMMETRIC_RANGE;
  readonly imageShape: ImageShape;
  readonly generator: tf.Sequential;
  readonly discriminator: tf.Sequential;
  readonly networks: Readonly<Record<string, tf.LayersModel>>;
  readonly phases: readonly GradientPhase[];
  private readonly config: DcganConfig;

  constructor(options: DcganOptions = {}) {
    this.config = resolveDcganOptions(options);
    this.imageShape = this.config.imageShape;
    this.generator = buildGenerator(this.config);
    this.discriminator = buildDiscriminator(this.config);
    this.networks = { generator: this.generator, discriminator: this.discriminator };
    const dVariables = namedVariablesOf(this.discriminator);
    const gVariables = namedVariablesOf(this.generator);
    assertUniqueVariableNames('Dcgan', [...dVariables, ...gVariables]);
    this.phases = [
      new GradientPhase('discriminator', dVariables, createAdam(this.config), (b) => this.discriminatorLoss(b)),
      new GradientPhase('generator', gVariables, createAdam(this.config), (b) => this.generatorLoss(b)),
    ];
  }

  parameterCount(): number {
    return this.phases.reduce((sum, p) => sum + p.variables.reduce((s, v) => s + v.variable.size, 0), 0);
  }

  sample(count: number, seed: number): tf.Tensor4D {
    checkInteger('Dcgan.sample count', count, 1);
    const { latentDim } = this.config;
    return tf.tidy(() => {
      const z = tf.tensor2d(samplingNormals(seed, count, latentDim), [count, latentDim]);
      return this.generator.apply(z, { training: false }) as tf.Tensor4D;
    });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.config, imageShape: [...this.config.imageShape] };
  }

  dispose(): void {
    for (const phase of this.phases) phase.dispose();
    this.generator.dispose();
    this.discriminator.dispose();
  }

  /** Mean over the batch of CE(D(x_i), 1) + CE(D(G(z_i)), 0). */
  private discriminatorLoss(batch: TrainingBatch): tf.Scalar {
    const real = batchImages(batch, this.imageShape);
    const fake = trainingForward(this.generator, this.latents(batch, DISCRIMINATOR_PHASE));
    // One forward pass over real and fake together; the first `count` logits are real.
    const logits = trainingForward(this.discriminator, tf.concat([real, fake], 0));
    const labels = tf.concat([tf.ones([batch.count, 1]), tf.zeros([batch.count, 1])], 0);
    return tf.sum(sigmoidCrossEntropyWithLogits(logits, labels)).div(batch.count) as tf.Scalar;
  }

  /** Non-saturating generator loss: mean over the batch of CE(D(G(z_i)), 1). */
  private generatorLoss(batch: TrainingBatch): tf.Scalar {
    checkBatch(batch, this.imageShape);
    const fake = trainingForward(this.generator, this.latents(batch, GENERATOR_PHASE));
    const logits = trainingForward(this.discriminator, fake);
    return tf.mean(sigmoidCrossEntropyWithLogits(logits, 1)) as tf.Scalar;
  }

  private latents(batch: TrainingBatch, phase: number): tf.Tensor2D {
    const { seed, latentDim } = this.config;
    const z = trainingNormals(seed, batch.step, phase, batch.sampleIndices, latentDim);
    return tf.tensor2d(z, [batch.count, latentDim]);
  }
}
