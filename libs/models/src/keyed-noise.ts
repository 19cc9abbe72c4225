import { CounterRandom, type RandomStream } from '@ganglion/data';

/**
 * The stream word that separates sampling noise (sample(count, seed)) from
 * training noise keyed by (step, phase, index): steps are never negative.
 */
const SAMPLING_DOMAIN = -1;

/** The stream word that separates weight-initialisation seeds from everything else. */
const INIT_DOMAIN = -2;

/**
 * `dim` standard normals per sample, keyed by (seed, step, phase, global
 * sample index): the same sample gets the same noise whichever worker holds
 * it and whatever the batch is cut into. Row-major [count, dim].
 */
export function trainingNormals(
  seed: number,
  step: number,
  phase: number,
  sampleIndices: ArrayLike<number>,
  dim: number,
): Float32Array {
  const random = new CounterRandom(seed);
  const out = new Float32Array(sampleIndices.length * dim);
  for (let i = 0; i < sampleIndices.length; i++) {
    random.stream(step, phase, sampleIndices[i]).fillNormal(out, i * dim, dim);
  }
  return out;
}

/** One stream per drawn sample i of `sample(count, seed)`. */
export function samplingStream(seed: number, index: number): RandomStream {
  return new CounterRandom(seed).stream(SAMPLING_DOMAIN, index);
}

/** `dim` standard normals for each of `count` drawn samples, [count, dim]. */
export function samplingNormals(seed: number, count: number, dim: number): Float32Array {
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) samplingStream(seed, i).fillNormal(out, i * dim, dim);
  return out;
}

/**
 * A seed for the initializer of weight number `index` of a model seeded
 * with `seed`, so every process builds bit-identical initial weights.
 */
export function initializerSeed(seed: number, index: number): number {
  return new CounterRandom(seed).stream(INIT_DOMAIN, index).nextInt(0x7fffffff);
}
