import type * as tf from '@tensorflow/tfjs';

/**
 * Runs `x` through the first `count` layers of a sequential network; used
 * to stop before a final sigmoid and get logits for a stable loss.
 */
export function applyLayers(network: tf.Sequential, x: tf.Tensor, count: number, training: boolean): tf.Tensor {
  let y = x;
  for (const layer of network.layers.slice(0, count)) y = layer.apply(y, { training }) as tf.Tensor;
  return y;
}
