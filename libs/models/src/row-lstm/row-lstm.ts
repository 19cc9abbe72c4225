import * as tf from '@tensorflow/tfjs';
import { UNIT_RANGE, type PixelRange } from '@ganglion/data';
import { createAdam } from '../adam-settings';
import { checkInteger } from '../check-options';
import type { GenerativeModel, NamedVariable, TrainingBatch } from '../generative-model';
import { GradientPhase } from '../gradient-phase';
import { batchImages, type ImageShape } from '../image-shape';
import { samplingStream } from '../keyed-noise';
import { sigmoidCrossEntropyWithLogits } from '../losses/sigmoid-cross-entropy';
import { assertUniqueVariableNames, namedVariablesOf } from '../named-variables';
import { lstmSequence, type LstmWeights } from './lstm-sequence';
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
  /** The LSTM layer's variables, which the training loss reads directly. */
  private readonly lstmWeights: LstmWeights;

  constructor(options: RowLstmOptions = {}) {
    this.config = resolveRowLstmOptions(options);
    this.imageShape = this.config.imageShape;
    this.network = buildRowNetwork(this.config);
    this.networks = { rnn: this.network };
    const variables = namedVariablesOf(this.network);
    assertUniqueVariableNames('RowLstm', variables);
    this.lstmWeights = lstmWeightsOf(this.network.getLayer('rnn/lstm') as LstmLayer, variables);
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
   * The uniforms are drawn in JavaScript in that order and compared on the
   * backend, so no row is read back: tfjs's WebGPU backend in Node cannot
   * read synchronously.
   */
  sample(count: number, seed: number, mode: RowSampleMode = this.config.sampleMode): tf.Tensor4D {
    checkInteger('RowLstm.sample count', count, 1);
    const [height, width, channels] = this.imageShape;
    const rowWidth = width * channels;
    const [lstm, dense, sigmoid] = this.network.layers as [LstmLayer, tf.layers.Layer, tf.layers.Layer];
    const streams = Array.from({ length: count }, (_, i) => samplingStream(seed, i));
    // The LSTM cell advanced one row at a time: the same weights and maths as the layer, 28 steps not 406.
    let state = tf.tidy(() => [tf.zeros([count, this.config.units]), tf.zeros([count, this.config.units])]);
    let previousRow: tf.Tensor = tf.zeros([count, rowWidth]);
    const rows: tf.Tensor[] = [];
    try {
      for (let t = 0; t < height; t++) {
        const uniforms = mode === 'mean' ? undefined : new Float32Array(count * rowWidth);
        if (uniforms !== undefined) {
          for (let i = 0; i < count; i++) for (let j = 0; j < rowWidth; j++) uniforms[i * rowWidth + j] = streams[i].nextUniform();
        }
        const input = previousRow;
        const [row, h, c] = tf.tidy(() => {
          const [output, , memory] = lstm.cell.call([input, state[0], state[1]], {}) as tf.Tensor[];
          const probabilities = sigmoid.apply(dense.apply(output)) as tf.Tensor;
          const drawn = uniforms === undefined ? probabilities : tf.cast(tf.less(tf.tensor2d(uniforms, [count, rowWidth]), probabilities), 'float32');
          return [drawn, output, memory];
        });
        tf.dispose(state);
        state = [h, c];
        if (t > 0) rows.push(input);
        else input.dispose();
        previousRow = row;
      }
      rows.push(previousRow);
      // [height, count, rowWidth] -> [count, height, width, channels]
      return tf.tidy(() => tf.transpose(tf.stack(rows), [1, 0, 2]).reshape([count, height, width, channels]) as tf.Tensor4D);
    } finally {
      tf.dispose(state);
      tf.dispose(rows);
    }
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

  /**
   * The training loss, computed time-major with lstmSequence (a hand-written
   * LSTM and gradient over the LSTM layer's own variables, ~2x faster on
   * WASM than running the layer) and the dense layer. The sum over rows and
   * images does not depend on their order, so the targets are transposed
   * instead of the hidden states.
   */
  private loss(batch: TrainingBatch): tf.Scalar {
    const images = batchImages(batch, this.imageShape);
    const [height, width, channels] = this.imageShape;
    const rowWidth = width * channels;
    const rows = images.reshape([batch.count, height, rowWidth]).transpose<tf.Tensor3D>([1, 0, 2]);
    const inputs = tf.concat<tf.Tensor3D>(
      [tf.zeros([1, batch.count, rowWidth]), rows.slice([0, 0, 0], [height - 1, batch.count, rowWidth])],
      0,
    );
    const hidden = lstmSequence(inputs, this.lstmWeights);
    const logits = this.network.getLayer('rnn/dense').apply(hidden, { training: true }) as tf.Tensor3D;
    return tf.sum(sigmoidCrossEntropyWithLogits(logits, rows)).div(batch.count) as tf.Scalar;
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

/**
 * The LSTM layer's variables for lstmSequence, after checking that the
 * layer computes what lstmSequence does.
 */
function lstmWeightsOf(layer: LstmLayer, variables: readonly NamedVariable[]): LstmWeights {
  const config = layer.getConfig();
  const expected = { activation: 'tanh', recurrentActivation: 'sigmoid', useBias: true, dropout: 0, recurrentDropout: 0 };
  for (const [key, value] of Object.entries(expected)) {
    if (config[key] !== value) {
      throw new Error(
        `RowLstm: the LSTM layer has ${key} ${JSON.stringify(config[key])}; the training loss (lstmSequence) ` +
          `implements ${key} ${JSON.stringify(value)}. Change both together.`,
      );
    }
  }
  const named = (name: string) => {
    const found = variables.find((v) => v.name === `${layer.name}/${name}`);
    if (found === undefined) throw new Error(`RowLstm: the LSTM layer has no variable '${name}'.`);
    return found.variable;
  };
  return { kernel: named('kernel'), recurrentKernel: named('recurrent_kernel'), bias: named('bias') };
}
