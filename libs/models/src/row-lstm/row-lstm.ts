import * as tf from '@tensorflow/tfjs';
import { UNIT_RANGE, type PixelRange } from '@ganglion/data';
import { createAdam } from '../adam-settings';
import { checkInteger } from '../check-options';
import { applyLayers } from '../apply-layers';
import type { GenerativeModel, TrainingBatch } from '../generative-model';
import { GradientPhase } from '../gradient-phase';
import { batchImages, type ImageShape } from '../image-shape';
import { samplingStream } from '../keyed-noise';
import { sigmoidCrossEntropyWithLogits } from '../losses/sigmoid-cross-entropy';
import { assertUniqueVariableNames, namedVariablesOf } from '../named-variables';
import { buildRowNetwork } from './row-lstm-network';
import { rowLstmOptionsSchema, resolveRowLstmOptions, type RowLstmConfig, type RowLstmOptions, type RowSampleMode } from './row-lstm-options';

/** The network's first layer. */
type LstmLayer = ReturnType<typeof tf.layers.lstm>;

/**
 * A PixelRNN-style row LSTM: an image is a sequence of `height` rows of
 * `width * channels` values, and the network predicts row t from rows
 * 0..t-1 (its input at step t is row t-1, a zero row at t = 0). Loss: the
 * binary cross-entropy of each value under its predicted probability,
 * summed over the image and averaged over the batch (nats per image, the
 * same unit as the VAE's negative ELBO; divide by h*w*c for nats per value).
 * One phase, 'rnn'. Training uses no noise.
 */
export class RowLstm implements GenerativeModel {
  /** Checks options by field (definePipeline reads this). */
  static readonly optionsSchema = rowLstmOptionsSchema;
  readonly name = 'row-lstm';
  readonly pixelRange: PixelRange = UNIT_RANGE;
  readonly imageShape: ImageShape;
  readonly network: tf.Sequential;
  readonly networks: Readonly<Record<string, tf.LayersModel>>;
  readonly phases: readonly GradientPhase[];
  private readonly config: RowLstmConfig;

  constructor(options: RowLstmOptions = {}) {
    this.config = resolveRowLstmOptions(options);
    this.imageShape = this.config.imageShape;
    this.network = buildRowNetwork(this.config);
    this.networks = { rnn: this.network };
    const variables = namedVariablesOf(this.network);
    assertUniqueVariableNames('RowLstm', variables);
    this.phases = [new GradientPhase('rnn', variables, createAdam(this.config), (b) => this.loss(b))];
  }

  parameterCount(): number {
    return this.phases[0].variables.reduce((sum, v) => sum + v.variable.size, 0);
  }

  /**
   * Writes `count` images one row at a time, each row conditioned on the
   * rows drawn before it. In 'bernoulli' mode value j of row t of image i is
   * 1 when a uniform from the stream keyed by (seed, i) falls below its
   * predicted probability, else 0; in 'mean' mode it is the probability.
   */
  sample(count: number, seed: number, mode: RowSampleMode = this.config.sampleMode): tf.Tensor4D {
    checkInteger('RowLstm.sample count', count, 1);
    const [height, width, channels] = this.imageShape;
    const rowWidth = width * channels;
    const [lstm, dense, sigmoid] = this.network.layers as [LstmLayer, tf.layers.Layer, tf.layers.Layer];
    const streams = Array.from({ length: count }, (_, i) => samplingStream(seed, i));
    const image = new Float32Array(count * height * rowWidth);
    // The LSTM cell advanced one row at a time: the same weights and maths as the layer, 28 steps not 406.
    let state = tf.tidy(() => [tf.zeros([count, this.config.units]), tf.zeros([count, this.config.units])]);
    let previousRow = new Float32Array(count * rowWidth);
    for (let t = 0; t < height; t++) {
      const [probabilities, h, c] = tf.tidy(() => {
        const x = tf.tensor2d(previousRow, [count, rowWidth]);
        const [output, , memory] = lstm.cell.call([x, state[0], state[1]], {}) as tf.Tensor[];
        return [sigmoid.apply(dense.apply(output)) as tf.Tensor, output, memory];
      });
      tf.dispose(state);
      state = [h, c];
      const p = probabilities.dataSync();
      probabilities.dispose();
      const row = new Float32Array(count * rowWidth);
      for (let i = 0; i < count; i++) {
        for (let j = 0; j < rowWidth; j++) {
          const prob = p[i * rowWidth + j];
          row[i * rowWidth + j] = mode === 'mean' ? prob : streams[i].nextUniform() < prob ? 1 : 0;
        }
        image.set(row.subarray(i * rowWidth, (i + 1) * rowWidth), (i * height + t) * rowWidth);
      }
      previousRow = row;
    }
    tf.dispose(state);
    return tf.tensor4d(image, [count, height, width, channels]);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.config, imageShape: [...this.config.imageShape] };
  }

  dispose(): void {
    for (const phase of this.phases) phase.dispose();
    this.network.dispose();
  }

  /**
   * Teacher-forced predictions: for each image, the probability of every
   * value of row t given rows 0..t-1 of that image. [n, h, w, c] in, [n, h, w*c] out.
   */
  predictRows(images: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => this.network.apply(this.shiftedRows(images), { training: false }) as tf.Tensor3D);
  }

  private loss(batch: TrainingBatch): tf.Scalar {
    const images = batchImages(batch, this.imageShape);
    // Every layer but the final sigmoid: logits, for a stable cross-entropy.
    const logits = applyLayers(this.network, this.shiftedRows(images), this.network.layers.length - 1, true);
    const targets = images.reshape(logits.shape);
    return tf.sum(sigmoidCrossEntropyWithLogits(logits, targets)).div(batch.count) as tf.Scalar;
  }

  /** The LSTM's input sequence: at step t, row t - 1 (a zero row at t = 0). [n, h, w*c]. */
  private shiftedRows(images: tf.Tensor4D): tf.Tensor3D {
    const [height, width, channels] = this.imageShape;
    if (!tf.util.arraysEqual(images.shape.slice(1), [height, width, channels])) {
      throw new Error(`RowLstm: images of shape [${images.shape}] given to a model of image shape [${this.imageShape}].`);
    }
    const count = images.shape[0];
    const rowWidth = width * channels;
    return tf.tidy(() => {
      const rows = images.reshape<tf.Tensor3D>([count, height, rowWidth]);
      return tf.concat<tf.Tensor3D>([tf.zeros([count, 1, rowWidth]), rows.slice([0, 0, 0], [count, height - 1, rowWidth])], 1);
    });
  }
}
