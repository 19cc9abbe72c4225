import * as tf from '@tensorflow/tfjs';
import { inject, injectable, optional } from 'inversify';
import { GradientReducer } from '@ganglion/comm';
import { copyTensorValues } from '@ganglion/models';
import { Clock } from '../clock';
import type { GradientSynchronizer, PhaseKey, SynchronizedGradients } from '../gradient-synchronizer';
import { DistributedProcessGroup } from './distributed-process-group';
import { PhaseBuffers } from './phase-buffers';
import { StepProgress } from './step-progress';

/**
 * The data-parallel GradientSynchronizer (Horovod's DistributedOptimizer):
 * one allreduce per phase through the job's GradientReducer.
 *
 * 1. Flatten the phase's gradients, in the phase's variable order (stable
 *    names every rank agrees on; copyTensorValues), into the phase's Float32Array (reused
 *    from step to step: see PhaseBuffers), with the local mean loss as its
 *    last element; dispose the gradient tensors.
 * 2. allreduce(flat, localSampleCount, {generation, step, phase, into}):
 *    the sample-count-weighted mean over ranks, the same bytes on every
 *    rank, written into the phase's mean array. The weighted mean of local
 *    mean losses is the global mean loss.
 * 3. Cut the mean back into tensors of the gradients' shapes, and note in
 *    StepProgress that the phase was reduced (the Trainer applies it
 *    before it awaits anything else). A membership change aborts step 2
 *    through the group's reduceSignal: nothing of the old generation is
 *    applied.
 *
 * The reducer may send the flat array without copying: it is written again
 * only in the phase's next call, after this one resolved (a failed call
 * gives up the phase's arrays instead). tf.tensor copies the mean into the
 * backend (WASM, tfjs-node) or holds it until the Trainer has applied and
 * disposed the gradients (cpu, webgpu's lazy upload), both before the
 * phase's next call. With fp16 compression the loss travels as float16
 * too: the reported loss then has ~3 significant digits.
 */
@injectable()
export class AllreduceGradientSynchronizer implements GradientSynchronizer {
  constructor(
    @inject(GradientReducer) private readonly reducer: GradientReducer,
    @inject(DistributedProcessGroup) private readonly group: DistributedProcessGroup,
    @inject(Clock) private readonly clock: Clock,
    @inject(StepProgress) @optional() private readonly progress?: StepProgress,
  ) {}

  private readonly buffers = new PhaseBuffers();

  async synchronize(key: PhaseKey, gradients: tf.Tensor[], loss: number, sampleCount: number): Promise<SynchronizedGradients> {
    const shapes = gradients.map((gradient) => gradient.shape);
    const sizes = gradients.map((gradient) => gradient.size);
    const total = sizes.reduce((a, b) => a + b, 0);
    const { values: flat, mean: into } = this.buffers.take(key.phaseIndex, total + 1);
    try {
      let offset = 0;
      for (const [index, gradient] of gradients.entries()) {
        if (gradient.dtype !== 'float32') {
          throw new Error(`Phase '${key.phaseName}': gradient ${index} is ${gradient.dtype}; only float32 gradients can be reduced.`);
        }
        await copyTensorValues(gradient, flat, offset); // from the WASM heap without a copy of its own; elsewhere tensor.data()
        offset += sizes[index];
      }
    } finally {
      for (const gradient of gradients) gradient.dispose();
    }
    flat[total] = loss;

    const started = this.clock.now();
    let mean: Float32Array;
    try {
      mean = await this.reducer.allreduce(flat, sampleCount, {
        generation: this.group.generation(),
        step: key.step,
        phase: key.phaseIndex,
        signal: this.group.reduceSignal?.(),
        into,
      });
    } catch (error) {
      this.buffers.forget(key.phaseIndex);
      throw error;
    }
    this.progress?.phaseReduced(key.step, key.phaseIndex);
    const reduceMs = this.clock.now() - started;
    if (mean.length !== flat.length) {
      throw new Error(`The ${this.reducer.name} reducer returned ${mean.length} values for ${flat.length} sent (phase '${key.phaseName}', step ${key.step}).`);
    }

    const reduced: tf.Tensor[] = [];
    let offset = 0;
    for (const [index, shape] of shapes.entries()) {
      reduced.push(tf.tensor(mean.subarray(offset, offset + sizes[index]), shape, 'float32'));
      offset += sizes[index];
    }
    return { gradients: reduced, loss: mean[total], reduceMs };
  }
}
