import * as tf from '@tensorflow/tfjs';
import type { GenerativeModel, TrainingBatch } from '@ganglion/models';

/**
 * One training step with nothing of Ganglion around it: each phase of the
 * model computes its gradients on an already gathered batch and applies
 * them at once (what a plain tfjs loop of tf.variableGrads plus
 * optimizer.applyGradients does, with the same networks and kernels).
 */
export async function bareStep(model: GenerativeModel, batch: TrainingBatch): Promise<void> {
  for (const phase of model.phases) {
    const { gradients } = await phase.computeGradients(batch);
    try {
      phase.applyGradients(gradients);
    } finally {
      tf.dispose(gradients);
    }
  }
}
