import * as tf from '@tensorflow/tfjs';

/** Adam hyper-parameters, shared by every model's options. */
export interface AdamSettings {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

/** Checks the ranges that Adam needs; `owner` names the options object in the error. */
export function checkAdamSettings(owner: string, settings: AdamSettings): void {
  if (!(settings.learningRate > 0)) {
    throw new Error(`${owner}.learningRate must be a positive number, got ${settings.learningRate}.`);
  }
  for (const key of ['beta1', 'beta2'] as const) {
    if (!(settings[key] >= 0 && settings[key] < 1)) {
      throw new Error(`${owner}.${key} must be in [0, 1), got ${settings[key]}.`);
    }
  }
  if (!(settings.epsilon > 0)) {
    throw new Error(`${owner}.epsilon must be a positive number, got ${settings.epsilon}.`);
  }
}

/** A fresh Adam optimizer; each phase owns one. */
export function createAdam(settings: AdamSettings): tf.Optimizer {
  return tf.train.adam(settings.learningRate, settings.beta1, settings.beta2, settings.epsilon);
}
