import { UNIT_RANGE, type PixelRange } from '@ganglion/data';
import {
  assertUniqueVariableNames,
  batchImages,
  createAdam,
  type GenerativeModel,
  GradientPhase,
  namedVariablesOf,
  samplingNormals,
  seededGlorotUniform,
  sigmoidCrossEntropyWithLogits,
  tf,
  type TrainingBatch,
} from '@ganglion/models';
import { z } from 'zod';

export interface DenseAutoencoderOptions {
  /** [height, width, channels] of the images. */
  imageShape?: [number, number, number];
  /** Units of the hidden layer on each side. */
  hidden?: number;
  /** Size of the code the images are squeezed through. */
  latentDim?: number;
  /** Adam settings (the pipeline's `optimizer` is merged in here). */
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  /** Seeds the initial weights (the pipeline's `seed` is merged in here). */
  seed?: number;
}

/**
 * A small dense autoencoder with a Bernoulli decoder: pixels → hidden →
 * code → hidden → pixel logits; loss: per-image binary cross-entropy
 * summed over pixels, averaged over the batch. One phase, 'reconstruct'.
 * `sample` decodes standard-normal codes.
 */
export class DenseAutoencoder implements GenerativeModel {
  /** definePipeline (and `--set model.options.*`) validate options with this. */
  static readonly optionsSchema = z
    .object({
      imageShape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]).optional(),
      hidden: z.number().int().positive().optional(),
      latentDim: z.number().int().positive().optional(),
      learningRate: z.number().positive().optional(),
      beta1: z.number().min(0).lt(1).optional(),
      beta2: z.number().min(0).lt(1).optional(),
      seed: z.number().int().nonnegative().optional(),
    })
    .strict();

  readonly name = 'dense-autoencoder';
  readonly pixelRange: PixelRange = UNIT_RANGE;
  readonly imageShape: readonly [number, number, number];
  readonly networks: Readonly<Record<string, tf.LayersModel>>;
  readonly phases: readonly GradientPhase[];
  private readonly encoder: tf.Sequential;
  private readonly decoder: tf.Sequential;
  private readonly latentDim: number;
  private readonly options: DenseAutoencoderOptions;

  constructor(options: DenseAutoencoderOptions = {}) {
    this.options = options;
    const seed = options.seed ?? 42;
    const hidden = options.hidden ?? 64;
    this.latentDim = options.latentDim ?? 8;
    this.imageShape = options.imageShape ?? [16, 16, 1];
    const pixels = this.imageShape[0] * this.imageShape[1] * this.imageShape[2];
    // Explicit layer names: gradients are exchanged by `<layer>/<weight>`.
    // Seeded initializers: every worker builds the same initial weights.
    const dense = (name: string, index: number, units: number, activation?: 'relu', inputShape?: number[]) =>
      tf.layers.dense({ name, units, activation, inputShape, kernelInitializer: seededGlorotUniform(seed, index) });
    this.encoder = tf.sequential({ name: 'encoder', layers: [dense('enc_hidden', 0, hidden, 'relu', [pixels]), dense('enc_code', 1, this.latentDim)] });
    this.decoder = tf.sequential({ name: 'decoder', layers: [dense('dec_hidden', 2, hidden, 'relu', [this.latentDim]), dense('dec_logits', 3, pixels)] });
    this.networks = { encoder: this.encoder, decoder: this.decoder };
    const variables = [...namedVariablesOf(this.encoder), ...namedVariablesOf(this.decoder)];
    assertUniqueVariableNames('DenseAutoencoder', variables);
    const adam = createAdam({ learningRate: options.learningRate ?? 1e-3, beta1: options.beta1 ?? 0.9, beta2: options.beta2 ?? 0.999, epsilon: 1e-7 });
    this.phases = [new GradientPhase('reconstruct', variables, adam, (batch) => this.loss(batch))];
  }

  parameterCount(): number {
    return this.phases[0].variables.reduce((sum, v) => sum + v.variable.size, 0);
  }

  sample(count: number, seed: number): tf.Tensor4D {
    return tf.tidy(() => {
      const codes = tf.tensor2d(samplingNormals(seed, count, this.latentDim), [count, this.latentDim]);
      const logits = this.decoder.apply(codes) as tf.Tensor2D;
      return tf.sigmoid(logits).reshape([count, ...this.imageShape]) as tf.Tensor4D;
    });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options, imageShape: [...this.imageShape], latentDim: this.latentDim };
  }

  dispose(): void {
    for (const phase of this.phases) phase.dispose();
    this.encoder.dispose();
    this.decoder.dispose();
  }

  /** Mean over the local batch: the Trainer averages it across workers, weighted by batch size. */
  private loss(batch: TrainingBatch): tf.Scalar {
    const x = batchImages(batch, this.imageShape).reshape([batch.count, -1]);
    const logits = this.decoder.apply(this.encoder.apply(x, { training: true }), { training: true }) as tf.Tensor2D;
    return tf.mean(tf.sum(sigmoidCrossEntropyWithLogits(logits, x), 1)) as tf.Scalar;
  }
}
