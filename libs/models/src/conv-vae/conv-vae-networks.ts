import * as tf from '@tensorflow/tfjs';
import { seededGlorotUniform } from '../seeded-glorot-uniform';
import type { ConvVaeConfig } from './conv-vae-options';

/** Channels of the decoder's first feature map (and of the encoder's last). */
const BASE_CHANNELS = 64;

/**
 * image -> conv 32 (k3, s2, ReLU) -> conv 64 (k3, s2, ReLU) -> flatten ->
 * [dense latentDim (mu), dense latentDim (log sigma^2)]. Two outputs.
 * Weights 0..3 of the model's seed sequence.
 */
export function buildEncoder(config: ConvVaeConfig): tf.LayersModel {
  const input = tf.input({ name: 'encoder/input', shape: [...config.imageShape] });
  const conv1 = tf.layers.conv2d({
    name: 'encoder/conv1',
    filters: 32,
    kernelSize: 3,
    strides: 2,
    padding: 'same',
    activation: 'relu',
    kernelInitializer: seededGlorotUniform(config.seed, 0),
  });
  const conv2 = tf.layers.conv2d({
    name: 'encoder/conv2',
    filters: BASE_CHANNELS,
    kernelSize: 3,
    strides: 2,
    padding: 'same',
    activation: 'relu',
    kernelInitializer: seededGlorotUniform(config.seed, 1),
  });
  const flat = tf.layers
    .flatten({ name: 'encoder/flatten' })
    .apply(conv2.apply(conv1.apply(input))) as tf.SymbolicTensor;
  const mu = tf.layers.dense({
    name: 'encoder/mu',
    units: config.latentDim,
    kernelInitializer: seededGlorotUniform(config.seed, 2),
  });
  const logVar = tf.layers.dense({
    name: 'encoder/log_var',
    units: config.latentDim,
    kernelInitializer: seededGlorotUniform(config.seed, 3),
  });
  return tf.model({
    name: 'encoder',
    inputs: input,
    outputs: [mu.apply(flat) as tf.SymbolicTensor, logVar.apply(flat) as tf.SymbolicTensor],
  });
}

/**
 * z -> dense (h/4 * w/4 * 64, ReLU) -> reshape -> deconv 32 (k3, s2, ReLU)
 * -> deconv c (k3, s2) -> sigmoid. The sigmoid is its own last layer so that
 * training can take the logits before it. Weights 4..6 of the seed sequence.
 */
export function buildDecoder(config: ConvVaeConfig): tf.Sequential {
  const [height, width, channels] = config.imageShape;
  const base: [number, number, number] = [height / 4, width / 4, BASE_CHANNELS];
  const model = tf.sequential({ name: 'decoder' });
  model.add(
    tf.layers.dense({
      name: 'decoder/dense',
      inputShape: [config.latentDim],
      units: base[0] * base[1] * base[2],
      activation: 'relu',
      kernelInitializer: seededGlorotUniform(config.seed, 4),
    }),
  );
  model.add(tf.layers.reshape({ name: 'decoder/reshape', targetShape: base }));
  model.add(
    tf.layers.conv2dTranspose({
      name: 'decoder/deconv1',
      filters: 32,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: seededGlorotUniform(config.seed, 5),
    }),
  );
  model.add(
    tf.layers.conv2dTranspose({
      name: 'decoder/deconv2',
      filters: channels,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      kernelInitializer: seededGlorotUniform(config.seed, 6),
    }),
  );
  model.add(tf.layers.activation({ name: 'decoder/sigmoid', activation: 'sigmoid' }));
  return model;
}
