import type { GenerativeModel } from '@ganglion/models';

/** One variable's values under its stable name (plain data: no tensors). */
export interface NamedWeights {
  /** Stable name every rank agrees on, e.g. `generator/deconv1/kernel`. */
  readonly name: string;
  readonly shape: readonly number[];
  /** Row-major float32 values; length = product of shape. */
  readonly values: Float32Array;
}

/**
 * Copies every trainable variable of the model out of the backend, in the
 * fixed order gradients are reduced in: phase by phase, each phase's
 * variables in order. The arrays are fresh (safe to send without copying).
 * Read back asynchronously: webgpu in Node has no synchronous read.
 */
export async function readModelWeights(model: GenerativeModel): Promise<NamedWeights[]> {
  const weights: NamedWeights[] = [];
  for (const phase of model.phases) {
    for (const { name, variable } of phase.variables) {
      if (variable.dtype !== 'float32') {
        throw new Error(`Variable '${name}' is ${variable.dtype}; Ganglion exchanges float32 weights only.`);
      }
      weights.push({ name, shape: [...variable.shape], values: new Float32Array((await variable.data()) as Float32Array) });
    }
  }
  return weights;
}
