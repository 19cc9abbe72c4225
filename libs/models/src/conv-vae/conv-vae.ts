import * as tf from '@tensorflow/tfjs';
import { UNIT_RANGE, type PixelRange } from '@ganglion/data';
import { createAdam } from '../adam-settings';
import { checkInteger } from '../check-options';
import { applyLayers } from '../apply-layers';
import type { GenerativeModel, TrainingBatch } from '../generative-model';
import { GradientPhase } from '../gradient-phase';
import { batchImages, type ImageShape } from '../image-shape';
import { samplingNormals, trainingNormals } from '../keyed-noise';
import { gaussianKlDivergence } from '../losses/gaussian-kl-divergence';
import { sigmoidCrossEntropyWithLogits } from '../losses/sigmoid-cross-entropy';
import { assertUniqueVariableNames, namedVariablesOf } from '../named-variables';
import { buildDecoder, buildEncoder } from './conv-vae-networks';
import { convVaeOptionsSchema, resolveConvVaeOptions, type ConvVaeConfig, type ConvVaeOptions } from './conv-vae-options';

/** Phase number of the single phase, part of the noise key. */
const VAE_PHASE = 0;

/**
 * A convolutional VAE with a Bernoulli decoder. Loss (the negative ELBO, in
 * nats per image): for each image the sum over pixels of binary
 * cross-entropy, computed from the decoder's logits, plus
 * KL(q(z|x) || N(0, I)); averaged over the batch. One phase, 'vae'. The
 * reparameterisation noise epsilon is keyed by (seed, step, 0, global
 * sample index).
 */
export class ConvVae implements GenerativeModel {
  /** Checks options by field (definePipeline reads this). */
  static readonly optionsSchema = convVaeOptionsSchema;
  readonly name = 'conv-vae';
  readonly pixelRange: PixelRange = UNIT_RANGE;
  readonly imageShape: ImageShape;
  readonly encoder: tf.LayersModel;
  readonly decoder: tf.Sequential;
  readonly networks: Readonly<Record<string, tf.LayersModel>>;
  readonly phases: readonly GradientPhase[];
  private readonly config: ConvVaeConfig;

  constructor(options: ConvVaeOptions = {}) {
    this.config = resolveConvVaeOptions(options);
    this.imageShape = this.config.imageShape;
    this.encoder = buildEncoder(this.config);
    this.decoder = buildDecoder(this.config);
    this.networks = { encoder: this.encoder, decoder: this.decoder };
    const variables = [...namedVariablesOf(this.encoder), ...namedVariablesOf(this.decoder)];
    assertUniqueVariableNames('ConvVae', variables);
    this.phases = [new GradientPhase('vae', variables, createAdam(this.config), (b) => this.loss(b))];
  }

  parameterCount(): number {
    return this.phases[0].variables.reduce((sum, v) => sum + v.variable.size, 0);
  }

  /** Decodes z ~ N(0, I) and returns the Bernoulli means (pixel probabilities), [count, h, w, c] in [0, 1]. */
  sample(count: number, seed: number): tf.Tensor4D {
    checkInteger('ConvVae.sample count', count, 1);
    const { latentDim } = this.config;
    return tf.tidy(() => {
      const z = tf.tensor2d(samplingNormals(seed, count, latentDim), [count, latentDim]);
      return this.decoder.apply(z, { training: false }) as tf.Tensor4D;
    });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.config, imageShape: [...this.config.imageShape] };
  }

  dispose(): void {
    for (const phase of this.phases) phase.dispose();
    this.encoder.dispose();
    this.decoder.dispose();
  }

  private loss(batch: TrainingBatch): tf.Scalar {
    const { seed, latentDim } = this.config;
    const x = batchImages(batch, this.imageShape);
    const [mu, logVar] = this.encoder.apply(x, { training: true }) as [tf.Tensor2D, tf.Tensor2D];
    const epsilon = tf.tensor2d(
      trainingNormals(seed, batch.step, VAE_PHASE, batch.sampleIndices, latentDim),
      [batch.count, latentDim],
    );
    const z = mu.add(tf.exp(logVar.mul(0.5)).mul(epsilon));
    // Every decoder layer but the final sigmoid: logits, for a stable cross-entropy.
    const logits = applyLayers(this.decoder, z, this.decoder.layers.length - 1, true);
    const reconstruction = tf.sum(sigmoidCrossEntropyWithLogits(logits, x), [1, 2, 3]);
    return tf.mean(reconstruction.add(gaussianKlDivergence(mu, logVar))) as tf.Scalar;
  }
}
