import type * as tf from '@tensorflow/tfjs';

/** Which phase of which step a reduction belongs to. */
export interface PhaseKey {
  readonly step: number;
  readonly phaseIndex: number;
  readonly phaseName: string;
}

/** Gradients and loss as every rank agrees on them after a reduction. */
export interface SynchronizedGradients {
  /** In the phase's variable order. The caller disposes them. */
  readonly gradients: tf.Tensor[];
  /** Mean loss over the global batch. */
  readonly loss: number;
  /** Time spent reducing, in ms (0 in a single process). */
  readonly reduceMs: number;
}

/**
 * The seam between training and communication: averages one rank's
 * gradients with every other rank's, weighted by sample count, so each
 * rank can apply the same update. Horovod's DistributedOptimizer plays
 * this role; a single process uses the identity.
 */
export interface GradientSynchronizer {
  /**
   * Takes ownership of `gradients` (gradients of the mean loss over this
   * rank's `sampleCount` samples) and returns the global weighted mean.
   */
  synchronize(key: PhaseKey, gradients: tf.Tensor[], loss: number, sampleCount: number): Promise<SynchronizedGradients>;
}

export const GradientSynchronizer = Symbol('GradientSynchronizer');

/** One process: the local gradients already are the global ones. */
export class LocalGradientSynchronizer implements GradientSynchronizer {
  async synchronize(_key: PhaseKey, gradients: tf.Tensor[], loss: number): Promise<SynchronizedGradients> {
    return { gradients, loss, reduceMs: 0 };
  }
}
