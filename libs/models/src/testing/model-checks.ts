import * as tf from '@tensorflow/tfjs';
import type { GenerativeModel, TrainingBatch, TrainingPhase } from '../generative-model';
import { sliceBatch } from './synthetic-batch';

/** Copies of every variable's values, phase by phase (synchronous reads: not on webgpu). */
export function snapshotWeights(model: GenerativeModel): Float32Array[] {
  return model.phases.flatMap((p) => p.variables.map((v) => v.variable.dataSync() as Float32Array).map((a) => a.slice()));
}

/** Copies of every variable's values, phase by phase, read back asynchronously (any backend, webgpu included). */
export async function readWeights(model: GenerativeModel): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const phase of model.phases) {
    for (const { variable } of phase.variables) out.push(((await variable.data()) as Float32Array).slice());
  }
  return out;
}

/**
 * Positions (in snapshot order) of the variables whose values differ
 * between two snapshots. Compares bytes: jest's deep equality is far too
 * slow for a million floats.
 */
export function changedVariables(before: readonly Float32Array[], after: readonly Float32Array[]): number[] {
  if (before.length !== after.length) throw new Error(`Snapshots of ${before.length} and ${after.length} variables.`);
  const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return before.flatMap((a, i) => (bytes(a).equals(bytes(after[i])) ? [] : [i]));
}

/** ||a - b|| / ||b||, the error of `a` relative to `b`. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < b.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
}

/** One full data-parallel step on one process: compute then apply every phase in order. Returns the losses. */
export async function trainStep(model: GenerativeModel, batch: TrainingBatch): Promise<number[]> {
  const losses: number[] = [];
  for (const phase of model.phases) {
    const { loss, gradients } = await phase.computeGradients(batch);
    phase.applyGradients(gradients);
    tf.dispose(gradients);
    losses.push(loss);
  }
  return losses;
}

export interface SplitComparison {
  /** Worst relative error over the phase's variables of the split-batch gradient against the full one. */
  readonly worstGradientError: number;
  /** |count-weighted mean of the halves' losses - the full batch's loss| / |the full batch's loss|. */
  readonly lossError: number;
}

/**
 * Computes a phase's gradients on `batch` in one go and on its two halves
 * (as two workers would), and compares the count-weighted mean of the
 * halves with the whole. This is the property data parallelism rests on.
 */
export async function compareSplitBatch(phase: TrainingPhase, batch: TrainingBatch, cut: number): Promise<SplitComparison> {
  const full = await phase.computeGradients(batch);
  const first = await phase.computeGradients(sliceBatch(batch, 0, cut));
  const second = await phase.computeGradients(sliceBatch(batch, cut, batch.count));
  const w1 = cut / batch.count;
  const w2 = 1 - w1;
  let worstGradientError = 0;
  for (const [i, g] of full.gradients.entries()) {
    const combined = tf.tidy(() => first.gradients[i].mul(w1).add(second.gradients[i].mul(w2)));
    worstGradientError = Math.max(worstGradientError, relativeError(await combined.data(), await g.data()));
    combined.dispose();
  }
  tf.dispose([...full.gradients, ...first.gradients, ...second.gradients]);
  const combinedLoss = w1 * first.loss + w2 * second.loss;
  return { worstGradientError, lossError: Math.abs(combinedLoss - full.loss) / Math.abs(full.loss) };
}

/** Saves a network to memory and loads it back with tf.loadLayersModel, as a checkpoint reader would. */
export async function saveAndLoad(network: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await network.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (saved === undefined) throw new Error(`Saving network '${network.name}' produced no artifacts.`);
  return tf.loadLayersModel(tf.io.fromMemory(saved));
}
