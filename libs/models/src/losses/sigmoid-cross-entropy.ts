import * as tf from '@tensorflow/tfjs';

/**
 * Binary cross-entropy of `labels` under the Bernoulli distribution with
 * logits `logits`, element by element (no reduction). Computed in the stable
 * form max(x, 0) - x * z + log(1 + exp(-|x|)), so large logits neither
 * overflow nor produce log(0). Labels may be soft (any value in [0, 1]).
 */
export function sigmoidCrossEntropyWithLogits(logits: tf.Tensor, labels: tf.Tensor | number): tf.Tensor {
  return tf.tidy(() => {
    const z = typeof labels === 'number' ? tf.scalar(labels) : labels;
    return tf.relu(logits).sub(logits.mul(z)).add(tf.softplus(tf.neg(tf.abs(logits))));
  });
}
