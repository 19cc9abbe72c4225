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

/** Time taken by some work: wall clock, and CPU time of this whole process (user + system). */
export interface StepTime {
  readonly wallMs: number;
  /** Less disturbed than wall time when other processes share the cores. */
  readonly cpuMs: number;
}

/** Starts a stopwatch; calling the result reads wall and CPU time since the start. */
export function startStopwatch(): () => StepTime {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { wallMs: performance.now() - wall, cpuMs: (used.user + used.system) / 1000 };
  };
}

/** Wall and CPU time of `run`. */
export async function timeStep(run: () => Promise<void>): Promise<StepTime> {
  const stop = startStopwatch();
  await run();
  return stop();
}
