import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';

/** Adam hyper-parameters, shared by every model's options. */
export interface AdamSettings {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

const decay = z.number().min(0).lt(1, 'must be in [0, 1)');

/** Zod fields of the Adam options, for each model's options schema. */
export const adamOptionFields = {
  learningRate: z.number().positive().optional(),
  beta1: decay.optional(),
  beta2: decay.optional(),
  epsilon: z.number().positive().optional(),
};

/** A fresh Adam optimizer; each phase owns one. */
export function createAdam(settings: AdamSettings): tf.Optimizer {
  return tf.train.adam(settings.learningRate, settings.beta1, settings.beta2, settings.epsilon);
}
