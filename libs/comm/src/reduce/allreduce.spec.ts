import { LocalCluster } from './testing/local-cluster';

/**
 * Star and ring over real ZeroMQ sockets on 127.0.0.1, every rank an object
 * with its own sockets in this one process. References are computed in
 * float64.
 */

jest.setTimeout(60_000);

const WEIGHTS = [7, 1, 4, 2.5, 5];
const FLOAT4MB = (4 * 1024 * 1024) / 4;

function randomVector(length: number, seed: number, scale: number): Float32Array {
  let state = seed >>> 0 || 1;
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    values[i] = ((state >>> 0) / 2 ** 32 - 0.5) * 2 * scale;
  }
  return values;
}

function reference(vectors: readonly Float32Array[], weights: readonly number[]): Float64Array {
  const length = vectors[0].length;
  const result = new Float64Array(length);
  const total = weights.reduce((a, b) => a + b, 0);
  if (total === 0) return result;
  vectors.forEach((vector, r) => {
    if (weights[r] === 0) return;
    for (let i = 0; i < length; i++) result[i] += weights[r] * vector[i];
  });
  for (let i = 0; i < length; i++) result[i] /= total;
  return result;
}

function maxAbsError(actual: Float32Array, expected: Float64Array): number {
  expect(actual).toHaveLength(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const error = Math.abs(actual[i] - expected[i]);
    if (!(error <= worst)) worst = Number.isNaN(error) ? Infinity : error;
  }
  return worst;
}

function bytesOf(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

function expectIdenticalAcrossRanks(results: readonly Float32Array[]): void {
  for (const result of results.slice(1)) {
    expect(bytesOf(result).equals(bytesOf(results[0]))).toBe(true);
  }
}

/** Vectors of rank r scaled by (r + 1): max |v| = worldSize. */
function vectorsFor(worldSize: number, length: number, seed: number): Float32Array[] {
  return Array.from({ length: worldSize }, (_, r) => randomVector(length, seed * 31 + r * 7919 + 1, r + 1));
}

// Lengths: tiny, below the world size, not divisible by it, and > 4 MB (two buckets).
const LENGTHS = [1, 3, 1237, FLOAT4MB + 13];

describe.each(['star', 'ring'] as const)('%s allreduce', (strategy) => {
  describe.each([1, 2, 3, 4, 5])('with %i rank(s)', (worldSize) => {
    let cluster: LocalCluster;
    let step = 0;
    beforeAll(async () => {
      cluster = await LocalCluster.start({ strategy, worldSize, reducer: { timeoutMs: 30_000 } });
    });
    afterAll(async () => {
      await cluster?.close();
    });

    it('returns the exact weighted mean (float32 tolerance) on every rank, identical bytes, inputs untouched', async () => {
      const weights = WEIGHTS.slice(0, worldSize);
      const maxAbs = worldSize;
      const tolerance = worldSize * 2 ** -23 * maxAbs;
      for (const length of LENGTHS) {
        const vectors = vectorsFor(worldSize, length, length);
        const copies = vectors.map((v) => v.slice());
        const results = await cluster.allreduce(vectors, weights, { step: ++step });
        const expected = reference(vectors, weights);
        for (const result of results) {
          expect(result).not.toBe(vectors[0]);
          expect(maxAbsError(result, expected)).toBeLessThanOrEqual(tolerance);
        }
        expectIdenticalAcrossRanks(results);
        vectors.forEach((v, r) => expect(bytesOf(v).equals(bytesOf(copies[r]))).toBe(true));
      }
    });

    it('with fp16 frames returns the weighted mean within fp16 tolerance', async () => {
      const weights = WEIGHTS.slice(0, worldSize);
      const maxAbs = worldSize;
      // One binary16 rounding (relative 2^-11) per hop: star 2, ring up to worldSize.
      const tolerance = (worldSize + 1) * 2 ** -11 * maxAbs;
      const length = 20_011;
      const vectors = vectorsFor(worldSize, length, 99);
      const results = await cluster.allreduce(vectors, weights, { step: ++step, fp16: true });
      const expected = reference(vectors, weights);
      const errors = results.map((result) => maxAbsError(result, expected));
      errors.forEach((error) => expect(error).toBeLessThanOrEqual(tolerance));
      expectIdenticalAcrossRanks(results);
      if (worldSize > 1) {
        // Really compressed: float16 error is far above float32's.
        expect(errors[0]).toBeGreaterThan(worldSize * 2 ** -23 * maxAbs);
      } else {
        expect(errors[0]).toBe(0); // one rank: a plain copy
      }
    });

    it('writes into the caller\'s array when given one (the same array call after call), with the bytes of a fresh result', async () => {
      const weights = WEIGHTS.slice(0, worldSize);
      const length = FLOAT4MB + 13; // two buckets
      const outputs = Array.from({ length: worldSize }, () => new Float32Array(length).fill(Number.NaN));
      for (const fp16 of [false, true]) {
        const vectors = vectorsFor(worldSize, length, fp16 ? 11 : 12);
        const fresh = await cluster.allreduce(vectors, weights, { step: ++step, fp16 });
        const written = await cluster.allreduce(vectors, weights, { step: ++step, fp16, into: outputs });
        written.forEach((result, r) => {
          expect(result).toBe(outputs[r]);
          expect(bytesOf(result).equals(bytesOf(fresh[r]))).toBe(true);
        });
      }
      const [rank0] = cluster.ranks;
      const context = { generation: rank0.welcome.generation, phase: 0 };
      const values = new Float32Array(8);
      await expect(rank0.reducer.allreduce(values, 1, { ...context, step: ++step, into: new Float32Array(7) })).rejects.toThrow(/holds 7 values but the vector has 8/);
      await expect(rank0.reducer.allreduce(values, 1, { ...context, step: ++step, into: values.subarray(0) })).rejects.toThrow(/shares memory/);
    });

    it('ignores ranks of weight 0 (even with NaN values) and returns zeros when every weight is 0', async () => {
      if (worldSize === 1) {
        const [only] = await cluster.allreduce([Float32Array.of(1, 2)], [0], { step: ++step });
        expect(Array.from(only)).toEqual([1, 2]); // a world of one returns its input
        return;
      }
      const length = 1001;
      const vectors = vectorsFor(worldSize, length, 5);
      vectors[0].fill(NaN);
      const weights = WEIGHTS.slice(0, worldSize).map((w, r) => (r === 0 ? 0 : w));
      const results = await cluster.allreduce(vectors, weights, { step: ++step });
      const expected = reference(vectors, weights);
      results.forEach((result) => expect(maxAbsError(result, expected)).toBeLessThanOrEqual(worldSize * 2 ** -23 * worldSize));

      const zeros = await cluster.allreduce(vectorsFor(worldSize, 10, 6), new Array(worldSize).fill(0), { step: ++step });
      zeros.forEach((result) => expect(Array.from(result)).toEqual(new Array(10).fill(0)));
    });
  });
});

describe('star and ring agree', () => {
  const clusters: LocalCluster[] = [];
  afterAll(async () => {
    for (const cluster of clusters) await cluster.close();
  });

  it('give the same result within float32 tolerance, with many small buckets', async () => {
    const worldSize = 3;
    const bucketBytes = 1000; // 250 floats: 5 buckets for 1237 values, the last one short
    const star = await LocalCluster.start({ strategy: 'star', worldSize, reducer: { bucketBytes } });
    clusters.push(star);
    const ring = await LocalCluster.start({ strategy: 'ring', worldSize, reducer: { bucketBytes } });
    clusters.push(ring);
    const vectors = vectorsFor(worldSize, 1237, 42);
    const weights = [3, 8, 1];
    const [fromStar] = await star.allreduce(vectors, weights, { step: 1 });
    const [fromRing] = await ring.allreduce(vectors, weights, { step: 1 });
    const expected = reference(vectors, weights);
    const tolerance = worldSize * 2 ** -23 * worldSize;
    expect(maxAbsError(fromStar, expected)).toBeLessThanOrEqual(tolerance);
    expect(maxAbsError(fromRing, expected)).toBeLessThanOrEqual(tolerance);
    expect(maxAbsError(fromStar, Float64Array.from(fromRing))).toBeLessThanOrEqual(2 * tolerance);

    // A GAN step: phase 0 then phase 1 of the same step.
    const [phase1] = await ring.allreduce(vectors, weights, { step: 1, phase: 1 });
    expect(bytesOf(phase1).equals(bytesOf(fromRing))).toBe(true);
  });
});
