import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { seededRandom } from '../../soak/soak-plan';
import { foldWeightedMean } from '../weighted-mean';
import { SimdWeightedMean } from './simd-weighted-mean';

function randomFloats(length: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length }, () => (random() - 0.5) * 10 ** Math.floor(random() * 8 - 4));
}

/** Both folds of the same inputs: [SIMD result, JavaScript result, SIMD weight, JavaScript weight]. */
function foldBoth(simd: SimdWeightedMean, length: number, meanWeight: number, weight: number, seed: number) {
  const mean = randomFloats(length, seed);
  const local = randomFloats(length, seed + 1);
  const reference = mean.slice();
  const simdWeight = simd.fold(mean, meanWeight, local, weight);
  const referenceWeight = foldWeightedMean(reference, meanWeight, local, weight);
  return { mean, reference, simdWeight, referenceWeight };
}

describe('SimdWeightedMean', () => {
  it('runs in WebAssembly SIMD on Node 20', () => {
    expect(new SimdWeightedMean().simd).toBe(true);
  });

  it('gives the same bits as foldWeightedMean, vector part and tail, with growing chunks', () => {
    const simd = new SimdWeightedMean();
    // Lengths around the 4-float vectors, then past the first memory page and past several growths.
    for (const [index, length] of [0, 1, 3, 4, 5, 7, 8, 1023, 16_385, 262_147, 1_000_003, 100].entries()) {
      const { mean, reference, simdWeight, referenceWeight } = foldBoth(simd, length, 64 * (index + 1), 48, 1000 + index);
      expect(simdWeight).toBe(referenceWeight);
      expect(Buffer.from(mean.buffer).equals(Buffer.from(reference.buffer))).toBe(true);
    }
  });

  it('keeps the special cases: a zero weight leaves the mean, a zero mean weight takes the local values, a length mismatch is refused', () => {
    const simd = new SimdWeightedMean();
    const mean = Float32Array.of(1, 2, 3, 4, 5);
    expect(simd.fold(mean, 10, Float32Array.of(9, 9, 9, 9, Number.NaN), 0)).toBe(10);
    expect([...mean]).toEqual([1, 2, 3, 4, 5]);
    expect(simd.fold(mean, 0, Float32Array.of(5, 4, 3, 2, 1), 7)).toBe(7);
    expect([...mean]).toEqual([5, 4, 3, 2, 1]);
    expect(() => simd.fold(mean, 1, new Float32Array(4), 1)).toThrow(/mean has 5 values, local 4/);
  });

  it('foldInto writes the fold of a read-only mean into other memory, the same bits, with and without SIMD', () => {
    for (const simd of [new SimdWeightedMean(), new SimdWeightedMean(Buffer.from('not wasm').toString('base64'))]) {
      const mean = randomFloats(4099, 11);
      const untouched = mean.slice();
      const local = randomFloats(4099, 12);
      const into = new Float32Array(4099);
      const reference = mean.slice();
      expect(simd.foldInto(mean, 5, local, 3, into)).toBe(foldWeightedMean(reference, 5, local, 3));
      expect(Buffer.from(into.buffer).equals(Buffer.from(reference.buffer))).toBe(true);
      expect([...mean]).toEqual([...untouched]);
      expect(simd.foldInto(mean, 0, local, 2, into)).toBe(2); // a zero mean weight: the local values
      expect([...into]).toEqual([...local]);
      expect(() => simd.foldInto(mean, 1, local, 1, new Float32Array(3))).toThrow(/mean has 4099 values, into 3/);
    }
  });

  it('folds in JavaScript where the module does not validate', () => {
    const plain = new SimdWeightedMean(Buffer.from('not wasm').toString('base64'));
    expect(plain.simd).toBe(false);
    const { mean, reference, simdWeight, referenceWeight } = foldBoth(plain, 1001, 3, 1, 7);
    expect(simdWeight).toBe(referenceWeight);
    expect([...mean]).toEqual([...reference]);
  });

  it('the committed modules are what their .wat files assemble to (this fold, and float16-codec.wat)', () => {
    const script = path.join(__dirname, '..', '..', '..', 'scripts', 'build-wasm.mjs');
    const check = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8', timeout: 60_000 });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
