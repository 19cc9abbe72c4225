import * as path from 'node:path';
import { readWeightsFile } from '@ganglion/pipeline';

/** How far two runs' final weights are apart, tensor by tensor. */
export interface WeightsDifference {
  /** max over tensors of max|a - b| / max|a| (the tensor's largest magnitude in run a). */
  readonly maxRelative: number;
  /** The tensor where that maximum is reached. */
  readonly worstTensor: string;
  /** max over all values of |a - b|. */
  readonly maxAbsolute: number;
  /** Number of tensors compared. */
  readonly tensors: number;
}

/**
 * Compares `final-weights.json` of two run folders. Per tensor the
 * relative difference is max|a - b| divided by max|a|: a scale-aware
 * measure that does not blow up on individual weights near zero.
 */
export function finalWeightsDifference(runA: string, runB: string): WeightsDifference {
  const a = readWeightsFile(path.join(runA, 'final-weights.json')).weights;
  const b = readWeightsFile(path.join(runB, 'final-weights.json')).weights;
  if (a.length !== b.length || a.some((w, i) => w.name !== b[i].name || w.values.length !== b[i].values.length)) {
    throw new Error(`The runs ${runA} and ${runB} hold different variables.`);
  }
  let maxRelative = 0;
  let maxAbsolute = 0;
  let worstTensor = '';
  for (const [i, { name, values }] of a.entries()) {
    let diff = 0;
    let scale = 0;
    for (let j = 0; j < values.length; j++) {
      diff = Math.max(diff, Math.abs(values[j] - b[i].values[j]));
      scale = Math.max(scale, Math.abs(values[j]));
    }
    const relative = scale === 0 ? diff : diff / scale;
    if (relative >= maxRelative) {
      maxRelative = relative;
      worstTensor = name;
    }
    maxAbsolute = Math.max(maxAbsolute, diff);
  }
  return { maxRelative, worstTensor, maxAbsolute, tensors: a.length };
}
