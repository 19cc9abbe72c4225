import * as tf from '@tensorflow/tfjs';
import { leakyReluByStep } from './leaky-relu-by-step';

/** A layer's configuration, as getConfig returns it. */
type LayerConfig = tf.serialization.ConfigDict;

/**
 * Runs a Sequential network forward for a training loss: the values of
 * `network.apply(x, { training: true })`, computed so that backprop does
 * only the work the gradient needs.
 *
 * tf.layers sends a Conv2D or Dense layer with a bias and no activation to
 * tfjs's fused op, whose custom gradient computes the gradients of the
 * input, the kernel and the bias every time, whichever are wanted. Here
 * such layers are a plain conv2d / matMul followed by a bias add, whose
 * gradients tfjs computes only where they lead to a variable being
 * differentiated: the GAN's generator phase no longer computes the
 * discriminator's kernel gradients (~50 ms per step at batch 64), nor the
 * discriminator phase the gradient of the images. LeakyReLU layers use
 * leakyReluByStep. Every other layer is applied as it is.
 */
export function trainingForward(network: tf.Sequential, x: tf.Tensor): tf.Tensor {
  let y = x;
  for (const layer of network.layers) {
    const config = layer.getConfig();
    switch (layer.getClassName()) {
      case 'Conv2D':
        y = isPlainConv(config) ? conv2dThenBias(layer, y, config) : (layer.apply(y, { training: true }) as tf.Tensor);
        break;
      case 'Dense':
        y = isLinear(config) && y.rank === 2 ? denseThenBias(layer, y) : (layer.apply(y, { training: true }) as tf.Tensor);
        break;
      case 'LeakyReLU':
        y = leakyReluByStep(y, config['alpha'] as number);
        break;
      default:
        y = layer.apply(y, { training: true }) as tf.Tensor;
    }
  }
  return y;
}

function isLinear(config: LayerConfig): boolean {
  return config['activation'] === 'linear' || config['activation'] == null;
}

function isPlainConv(config: LayerConfig): boolean {
  const dilation = config['dilationRate'] as number | number[] | undefined;
  const undilated = dilation === undefined || [dilation].flat().every((d) => d === 1);
  return isLinear(config) && config['dataFormat'] !== 'channelsFirst' && undilated;
}

function weight(layer: tf.layers.Layer, name: 'kernel' | 'bias'): tf.Tensor | undefined {
  return layer.trainableWeights.find((w) => w.originalName.split('/').pop() === name)?.read();
}

function conv2dThenBias(layer: tf.layers.Layer, x: tf.Tensor, config: LayerConfig): tf.Tensor {
  const kernel = weight(layer, 'kernel') as tf.Tensor4D;
  const strides = config['strides'] as number | [number, number];
  const padding = config['padding'] as 'same' | 'valid';
  const y = tf.conv2d(x as tf.Tensor4D, kernel, strides, padding);
  const bias = weight(layer, 'bias');
  return bias === undefined ? y : tf.add(y, bias);
}

function denseThenBias(layer: tf.layers.Layer, x: tf.Tensor): tf.Tensor {
  const y = tf.matMul(x as tf.Tensor2D, weight(layer, 'kernel') as tf.Tensor2D);
  const bias = weight(layer, 'bias');
  return bias === undefined ? y : tf.add(y, bias);
}
