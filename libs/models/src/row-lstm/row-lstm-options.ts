import { z } from 'zod';
import { adamOptionFields, type AdamSettings } from '../adam-settings';
import { parseOptions } from '../check-options';
import { checkImageShape, imageShapeSchema, type ImageShape } from '../image-shape';

/** How `RowLstm.sample` turns predicted pixel probabilities into pixels. */
export type RowSampleMode = 'bernoulli' | 'mean';

/** Options of the row LSTM (all optional). */
export interface RowLstmOptions {
  /** Units of the LSTM. Default 128. */
  readonly units?: number;
  /**
   * [height, width, channels] of the images, in [0, 1]. The LSTM reads
   * `height` rows of `width * channels` values. Default [28, 28, 1];
   * CIFAR-10 is [32, 32, 3] (rows of 96 values).
   */
  readonly imageShape?: readonly [number, number, number];
  /** Adam learning rate. Default 1e-3. */
  readonly learningRate?: number;
  /** Adam beta1 (first-moment decay). Default 0.9. */
  readonly beta1?: number;
  /** Adam beta2 (second-moment decay). Default 0.999. */
  readonly beta2?: number;
  /** Adam epsilon. Default 1e-8 (PyTorch's; tfjs's own default is 1e-7). */
  readonly epsilon?: number;
  /** Seeds the initial weights. Default 0. */
  readonly seed?: number;
  /**
   * 'bernoulli' (default) draws each pixel from its predicted probability,
   * keyed by the sample seed, so samples differ; 'mean' writes the
   * probability itself (deterministic, blurrier, the same for every sample).
   */
  readonly sampleMode?: RowSampleMode;
}

/** Zod schema of RowLstmOptions: checks each field and refuses unknown ones. */
export const rowLstmOptionsSchema: z.ZodType<RowLstmOptions> = z.strictObject({
  units: z.number().int().positive().optional(),
  sampleMode: z.enum(['bernoulli', 'mean']).optional(),
  imageShape: imageShapeSchema.optional(),
  ...adamOptionFields,
  seed: z.number().int().nonnegative().optional(),
});

/** RowLstmOptions with every default filled in; plain data. */
export interface RowLstmConfig extends AdamSettings {
  readonly units: number;
  readonly imageShape: ImageShape;
  readonly seed: number;
  readonly sampleMode: RowSampleMode;
}

/** Fills in defaults and checks ranges, naming the offending field. */
export function resolveRowLstmOptions(input: RowLstmOptions = {}): RowLstmConfig {
  const options = parseOptions('RowLstmOptions', rowLstmOptionsSchema, input);
  return {
    units: options.units ?? 128,
    imageShape: checkImageShape('RowLstmOptions', options.imageShape ?? [28, 28, 1]),
    learningRate: options.learningRate ?? 1e-3,
    beta1: options.beta1 ?? 0.9,
    beta2: options.beta2 ?? 0.999,
    epsilon: options.epsilon ?? 1e-8,
    seed: options.seed ?? 0,
    sampleMode: options.sampleMode ?? 'bernoulli',
  };
}
