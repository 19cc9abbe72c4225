import * as tf from '@tensorflow/tfjs';
import type { TrainingPhase } from '@ganglion/models';

/** One phase's optimizer in optimizer.json; its values lie in optimizer.bin. */
export interface PhaseOptimizerState {
  readonly phase: string;
  /** tfjs class name of the optimizer, e.g. `Adam`. */
  readonly optimizer: string;
  /**
   * Adam's running beta1^t and beta2^t, saved exactly: tfjs's setWeights
   * recomputes them with pow(), which can differ in the last bit from the
   * product the optimizer accumulated, and would break exact resume.
   */
  readonly accBeta1?: number;
  readonly accBeta2?: number;
  /** The optimizer's getWeights(), in order: `iter` first, then the moments. */
  readonly weights: readonly { name: string; shape: number[]; offset: number; length: number }[];
}

export interface OptimizerStateFile {
  readonly format: 'ganglion-optimizer-state';
  readonly version: 1;
  readonly phases: readonly PhaseOptimizerState[];
}

/** Adam's private fields read and written here (tfjs 4.22 AdamOptimizer). */
interface AdamInternals {
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
}

/** Serialises every phase's optimizer state: a JSON index and one float32 blob. */
export async function optimizerStateFiles(phases: readonly TrainingPhase[]): Promise<{ json: Buffer; bin: Buffer }> {
  const chunks: Buffer[] = [];
  let offset = 0;
  const states: PhaseOptimizerState[] = [];
  for (const phase of phases) {
    const named = await phase.optimizer.getWeights();
    const weights = [];
    for (const [i, { name, tensor }] of named.entries()) {
      const values = Float32Array.from((await tensor.data()) as ArrayLike<number>);
      // getWeights() returns a fresh `iter` scalar first and the optimizer's own moment variables after it.
      if (i === 0) tensor.dispose();
      const entry = { name, shape: [...tensor.shape], offset, length: values.length };
      chunks.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
      offset += values.byteLength;
      weights.push(entry);
    }
    const adam = phase.optimizer as unknown as AdamInternals;
    states.push({
      phase: phase.name,
      optimizer: phase.optimizer.getClassName(),
      ...(adam.accBeta1 !== undefined ? { accBeta1: (await adam.accBeta1.data())[0] } : {}),
      ...(adam.accBeta2 !== undefined ? { accBeta2: (await adam.accBeta2.data())[0] } : {}),
      weights,
    });
  }
  const file: OptimizerStateFile = { format: 'ganglion-optimizer-state', version: 1, phases: states };
  return { json: Buffer.from(JSON.stringify(file, null, 2) + '\n'), bin: Buffer.concat(chunks) };
}

/** Loads what optimizerStateFiles wrote back into the phases' optimizers, by phase name and weight order. */
export async function restoreOptimizerState(phases: readonly TrainingPhase[], file: OptimizerStateFile, bin: Buffer): Promise<void> {
  if (file.format !== 'ganglion-optimizer-state' || file.version !== 1) {
    throw new Error('optimizer.json is not a Ganglion optimizer state (version 1).');
  }
  for (const phase of phases) {
    const state = file.phases.find((p) => p.phase === phase.name);
    if (state === undefined) {
      throw new Error(`The checkpoint has no optimizer state for phase '${phase.name}' (it has ${file.phases.map((p) => p.phase).join(', ')}); it was written by another model.`);
    }
    if (state.optimizer !== phase.optimizer.getClassName()) {
      throw new Error(`Phase '${phase.name}' uses ${phase.optimizer.getClassName()} but the checkpoint holds ${state.optimizer} state.`);
    }
    const named = state.weights.map(({ name, shape, offset, length }) => {
      const values = new Float32Array(length);
      new Uint8Array(values.buffer).set(bin.subarray(offset, offset + length * 4));
      return { name, tensor: tf.tensor(values, shape) };
    });
    await phase.optimizer.setWeights(named);
    for (const { tensor } of named) tensor.dispose();
    const adam = phase.optimizer as unknown as AdamInternals;
    if (state.accBeta1 !== undefined && adam.accBeta1 !== undefined) assignScalar(adam.accBeta1, state.accBeta1);
    if (state.accBeta2 !== undefined && adam.accBeta2 !== undefined) assignScalar(adam.accBeta2, state.accBeta2);
  }
}

function assignScalar(variable: tf.Variable, value: number): void {
  tf.tidy(() => variable.assign(tf.scalar(value, 'float32')));
}
