import * as tf from '@tensorflow/tfjs';

/**
 * KL(N(mu, exp(logVar)) || N(0, 1)) per row, summed over the last axis:
 * -0.5 * sum(1 + logVar - mu^2 - exp(logVar)). Input [n, d], output [n].
 */
export function gaussianKlDivergence(mu: tf.Tensor2D, logVar: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() =>
    tf.sum(tf.scalar(1).add(logVar).sub(tf.square(mu)).sub(tf.exp(logVar)), -1).mul(-0.5),
  );
}
