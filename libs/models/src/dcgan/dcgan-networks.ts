import * as tf from '@tensorflow/tfjs';
import { seededGlorotUniform } from '../seeded-glorot-uniform';
import type { DcganConfig } from './dcgan-options';

/** Slope of the LeakyReLU units in both networks. */
const LEAKY_SLOPE = 0.2;
/** Channels of the generator's first feature map (and of the discriminator's last). */
const BASE_CHANNELS = 128;

/**
 * z -> dense (h/4 * w/4 * 128) -> reshape -> deconv 64 (k5, s2) -> LeakyReLU(0.2)
 * -> deconv c (k5, s2) -> tanh. Weights 0..2 of the model's seed sequence.
 */
export function buildGenerator(config: DcganConfig): tf.Sequential {
  const [height, width, channels] = config.imageShape;
  const base: [number, number, number] = [height / 4, width / 4, BASE_CHANNELS];
  const model = tf.sequential({ name: 'generator' });
  model.add(
    tf.layers.dense({
      name: 'generator/dense',
      inputShape: [config.latentDim],
      units: base[0] * base[1] * base[2],
      kernelInitializer: seededGlorotUniform(config.seed, 0),
    }),
  );
  model.add(tf.layers.reshape({ name: 'generator/reshape', targetShape: base }));
  model.add(
    tf.layers.conv2dTranspose({
      name: 'generator/deconv1',
      filters: 64,
      kernelSize: 5,
      strides: 2,
      padding: 'same',
      kernelInitializer: seededGlorotUniform(config.seed, 1),
    }),
  );
  model.add(tf.layers.leakyReLU({ name: 'generator/leaky_relu1', alpha: LEAKY_SLOPE }));
  model.add(
    tf.layers.conv2dTranspose({
      name: 'generator/deconv2',
      filters: channels,
      kernelSize: 5,
      strides: 2,
      padding: 'same',
      activation: 'tanh',
      kernelInitializer: seededGlorotUniform(config.seed, 2),
    }),
  );
  return model;
}

/**
 * image -> conv 64 (k5, s2) -> LeakyReLU(0.2) -> conv 128 (k5, s2) -> LeakyReLU(0.2)
 * -> flatten -> dense 1 (a logit, no sigmoid). Weights 3..5 of the seed sequence.
 */
export function buildDiscriminator(config: DcganConfig): tf.Sequential {
  const model = tf.sequential({ name: 'discriminator' });
  model.add(
    tf.layers.conv2d({
      name: 'discriminator/conv1',
      inputShape: [...config.imageShape],
      filters: 64,
      kernelSize: 5,
      strides: 2,
      padding: 'same',
      kernelInitializer: seededGlorotUniform(config.seed, 3),
    }),
  );
  model.add(tf.layers.leakyReLU({ name: 'discriminator/leaky_relu1', alpha: LEAKY_SLOPE }));
  model.add(
    tf.layers.conv2d({
      name: 'discriminator/conv2',
      filters: BASE_CHANNELS,
      kernelSize: 5,
      strides: 2,
      padding: 'same',
      kernelInitializer: seededGlorotUniform(config.seed, 4),
    }),
  );
  model.add(tf.layers.leakyReLU({ name: 'discriminator/leaky_relu2', alpha: LEAKY_SLOPE }));
  model.add(tf.layers.flatten({ name: 'discriminator/flatten' }));
  model.add(
    tf.layers.dense({ name: 'discriminator/dense', units: 1, kernelInitializer: seededGlorotUniform(config.seed, 5) }),
  );
  return model;
}
