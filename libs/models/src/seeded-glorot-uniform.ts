import * as tf from '@tensorflow/tfjs';
import { initializerSeed } from './keyed-noise';

/**
 * Glorot-uniform initializer seeded from the model seed and the weight's
 * position in the model, so that every process builds identical weights.
 * tfjs draws seeded initial values on the JS side, independent of backend.
 */
export function seededGlorotUniform(seed: number, index: number): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({ seed: initializerSeed(seed, index) });
}
