import * as tf from '@tensorflow/tfjs';
import type { GenerativeModel, TrainingBatch } from '@ganglion/models';

/**
 * One training step with nothing of Ganglion around it: each phase of the
 * model computes its gradients on an already gathered batch and applies
 * them at once (what a plain tfjs loop of tf.variableGrads plus
 * optimizer.applyGradients does, with the same networks and kernels).
 */
export function bareStep(model: GenerativeModel, batch: TrainingBatch): void {
  for (const phase of model.phases) {
    const { gradients } = phase.computeGradients(batch);
    try {
      phase.applyGradients(gradients);
    } finally {
      tf.dispose(gradients);
    }
  }
}
