import type * as tf from '@tensorflow/tfjs';
import type { PixelRange } from '@ganglion/data';

/** One local batch, as a worker sees it. */
export interface TrainingBatch {
  /** Pixels already scaled to the model's pixelRange, NHWC: count x h x w x c. */
  readonly images: Float32Array;
  readonly count: number;
  /**
   * Global sample index of each image (its position in the dataset). All
   * per-sample randomness (latent z, VAE epsilon) is keyed by it, never by rank.
   */
  readonly sampleIndices: Int32Array;
  /** Global step number; keys per-step randomness together with the index. */
  readonly step: number;
}

/** A trainable variable under a stable name that every rank agrees on. */
export interface NamedVariable {
  /** Stable, unique within the model, e.g. `generator/deconv1/kernel`. */
  readonly name: string;
  readonly variable: import('@tensorflow/tfjs').Variable;
}

export interface PhaseResult {
  /** Mean loss over the local batch. */
  readonly loss: number;
  /** Gradients of the mean local loss, in the order of `phase.variables`. The caller disposes them. */
  readonly gradients: tf.Tensor[];
}

/**
 * One optimisation phase: a loss, the variables it updates and the optimizer
 * that updates them. The GAN has two (discriminator, then generator); the
 * VAE and the RNN one. Gradients are computed and applied separately so
 * that a data-parallel reducer can average them in between.
 */
export interface TrainingPhase {
  readonly name: string;
  readonly variables: readonly NamedVariable[];
  /**
   * Gradients of the mean local loss. Asynchronous because the loss is read
   * back with `await data()`: GPU backends read back asynchronously, and
   * tfjs's WebGPU backend in Node cannot read synchronously at all (its
   * readSync needs a browser's OffscreenCanvas).
   */
  computeGradients(batch: TrainingBatch): Promise<PhaseResult>;
  /** Applies gradients (in `variables` order) with this phase's optimizer. Does not dispose them. */
  applyGradients(gradients: readonly tf.Tensor[]): void;
  /** The optimizer, for checkpointing its state. */
  readonly optimizer: tf.Optimizer;
}

export interface GenerativeModel {
  /** Short identifier: `dcgan`, `conv-vae`, `row-lstm`. */
  readonly name: string;
  readonly pixelRange: PixelRange;
  /** [height, width, channels] of the images it trains on and draws. */
  readonly imageShape: readonly [number, number, number];
  readonly phases: readonly TrainingPhase[];
  /** The networks, by name, as tfjs LayersModels (for checkpoints and export). */
  readonly networks: Readonly<Record<string, tf.LayersModel>>;
  /** Number of trainable scalars across all networks. */
  parameterCount(): number;
  /** Draws `count` images in pixelRange, NHWC, deterministic in `seed`. The caller disposes the result. */
  sample(count: number, seed: number): tf.Tensor4D;
  /** Plain data that recreates this model's configuration. */
  getConfig(): Record<string, unknown>;
  dispose(): void;
}

/** DI token for the model a pipeline trains. */
export const GenerativeModel = Symbol('GenerativeModel');
