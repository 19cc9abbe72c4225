import { z } from 'zod';
import { adamOptionFields, type AdamSettings } from '../adam-settings';
import { parseOptions } from '../check-options';
import { checkImageShape, imageShapeSchema, type ImageShape } from '../image-shape';

/** Options of the convolutional VAE (all optional). */
export interface ConvVaeOptions {
  /** Dimension of the latent code (the length of mu and of log sigma^2). Default 16. */
  readonly latentDim?: number;
  /**
   * [height, width, channels] of the images, in [0, 1]; height and width
   * must be multiples of 4 (the decoder starts at h/4 x w/4 x 64). Default
   * [28, 28, 1]; CIFAR-10 is [32, 32, 3].
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
  /** Seeds the initial weights and every epsilon drawn for the reparameterisation. Default 0. */
  readonly seed?: number;
}

/** Zod schema of ConvVaeOptions: checks each field and refuses unknown ones. */
export const convVaeOptionsSchema: z.ZodType<ConvVaeOptions> = z.strictObject({
  latentDim: z.number().int().positive().optional(),
  imageShape: imageShapeSchema.optional(),
  ...adamOptionFields,
  seed: z.number().int().nonnegative().optional(),
});

/** ConvVaeOptions with every default filled in; plain data. */
export interface ConvVaeConfig extends AdamSettings {
  readonly latentDim: number;
  readonly imageShape: ImageShape;
  readonly seed: number;
}

/** Fills in defaults and checks ranges, naming the offending field. */
export function resolveConvVaeOptions(input: ConvVaeOptions = {}): ConvVaeConfig {
  const options = parseOptions('ConvVaeOptions', convVaeOptionsSchema, input);
  return {
    latentDim: options.latentDim ?? 16,
    imageShape: checkImageShape('ConvVaeOptions', options.imageShape ?? [28, 28, 1], 4),
    learningRate: options.learningRate ?? 1e-3,
    beta1: options.beta1 ?? 0.9,
    beta2: options.beta2 ?? 0.999,
    epsilon: options.epsilon ?? 1e-8,
    seed: options.seed ?? 0,
  };
}
