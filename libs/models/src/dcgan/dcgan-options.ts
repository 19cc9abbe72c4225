import { z } from 'zod';
import { adamOptionFields, type AdamSettings } from '../adam-settings';
import { parseOptions } from '../check-options';
import { checkImageShape, imageShapeSchema, type ImageShape } from '../image-shape';

/** Options of the DCGAN (all optional; defaults follow Radford et al. for MNIST-sized images). */
export interface DcganOptions {
  /** Length of the latent vector z fed to the generator. Default 100. */
  readonly latentDim?: number;
  /**
   * [height, width, channels] of the images; height and width must be
   * multiples of 4 (the generator starts at h/4 x w/4 x 128). Default
   * [28, 28, 1]; CIFAR-10 is [32, 32, 3].
   */
  readonly imageShape?: readonly [number, number, number];
  /** Adam learning rate, the same for both networks. Default 2e-4. */
  readonly learningRate?: number;
  /** Adam beta1 (first-moment decay). Default 0.5. */
  readonly beta1?: number;
  /** Adam beta2 (second-moment decay). Default 0.999. */
  readonly beta2?: number;
  /** Adam epsilon. Default 1e-8 (PyTorch's; tfjs's own default is 1e-7). */
  readonly epsilon?: number;
  /** Seeds the initial weights and every latent draw during training. Default 0. */
  readonly seed?: number;
}

/** Zod schema of DcganOptions: checks each field and refuses unknown ones. */
export const dcganOptionsSchema: z.ZodType<DcganOptions> = z.strictObject({
  latentDim: z.number().int().positive().optional(),
  imageShape: imageShapeSchema.optional(),
  ...adamOptionFields,
  seed: z.number().int().nonnegative().optional(),
});

/** DcganOptions with every default filled in; plain data. */
export interface DcganConfig extends AdamSettings {
  readonly latentDim: number;
  readonly imageShape: ImageShape;
  readonly seed: number;
}

/** Fills in defaults and checks ranges, naming the offending field. */
export function resolveDcganOptions(input: DcganOptions = {}): DcganConfig {
  const options = parseOptions('DcganOptions', dcganOptionsSchema, input);
  return {
    latentDim: options.latentDim ?? 100,
    imageShape: checkImageShape('DcganOptions', options.imageShape ?? [28, 28, 1], 4),
    learningRate: options.learningRate ?? 2e-4,
    beta1: options.beta1 ?? 0.5,
    beta2: options.beta2 ?? 0.999,
    epsilon: options.epsilon ?? 1e-8,
    seed: options.seed ?? 0,
  };
}
