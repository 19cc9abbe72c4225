import type { SoakCall } from './soak-plan';
import { seededRandom } from './soak-plan';

/** A number in [-1, 1) from (i, salt): a 32-bit integer hash (murmur3's finaliser). */
function unit(i: number, salt: number): number {
  let h = Math.imul(i ^ salt, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h | 0) / 2 ** 31;
}

/** One rank's share of a call: v[i] = a·f(i) + b·g(i), with weight w (NaNs in v when w is 0, half of the time). */
export interface RankShare {
  readonly a: number;
  readonly b: number;
  readonly weight: number;
  readonly nanWhenEmpty: boolean;
}

/** What every rank's share of `call` is, derived from the call's seed alone (so any rank can compute the reference). */
export function rankShares(call: SoakCall, worldSize: number): RankShare[] {
  const random = seededRandom(call.seed);
  return Array.from({ length: worldSize }, () => {
    const a = (random() - 0.5) * 4;
    const b = (random() - 0.5) * 4;
    const weight = random() < 0.12 ? 0 : 1 + Math.floor(random() * 8);
    return { a, b, weight, nanWhenEmpty: random() < 0.5 };
  });
}

/**
 * The two fixed patterns f and g every vector mixes (a chunk in the wrong
 * place or of another call shows up as a large error). Computed once per
 * process up to the longest vector asked for; no module-level state: the
 * owner keeps the instance.
 */
export class SoakPatterns {
  private f = new Float64Array(0);
  private g = new Float64Array(0);

  private ensure(length: number): void {
    if (this.f.length >= length) return;
    const f = new Float64Array(length);
    const g = new Float64Array(length);
    for (let i = 0; i < length; i++) {
      f[i] = unit(i, 0x5eed);
      g[i] = unit(i, 0xbeef);
    }
    this.f = f;
    this.g = g;
  }

  /** This rank's vector for the call (a fresh array: the reducer may send it without copying). */
  vector(call: SoakCall, share: RankShare): Float32Array {
    const values = new Float32Array(call.floats);
    if (share.weight === 0 && share.nanWhenEmpty) return values.fill(Number.NaN);
    this.ensure(call.floats);
    const { f, g } = this;
    const { a, b } = share;
    for (let i = 0; i < values.length; i++) values[i] = a * f[i] + b * g[i];
    return values;
  }

  /**
   * Compares a result with the float64 reference sum_r(w_r v_r) / sum_r(w_r)
   * (zeros when every weight is 0).
   */
  check(call: SoakCall, shares: readonly RankShare[], result: Float32Array): SoakCheck {
    const tolerance = soakTolerance(call, shares);
    if (result.length !== call.floats) return { maxError: Infinity, tolerance };
    let total = 0;
    let sumA = 0;
    let sumB = 0;
    for (const share of shares) {
      if (share.weight === 0) continue;
      total += share.weight;
      sumA += share.weight * share.a;
      sumB += share.weight * share.b;
    }
    const a = total === 0 ? 0 : sumA / total;
    const b = total === 0 ? 0 : sumB / total;
    this.ensure(call.floats);
    const { f, g } = this;
    let maxError = 0;
    for (let i = 0; i < result.length; i++) {
      const error = Math.abs(result[i] - (a * f[i] + b * g[i]));
      if (!(error <= maxError)) maxError = Number.isNaN(error) ? Infinity : error;
    }
    return { maxError, tolerance };
  }
}

export interface SoakCheck {
  /** Largest |result - reference| over the vector (Infinity for NaN or a wrong length). */
  readonly maxError: number;
  readonly tolerance: number;
}

/**
 * The error a correct allreduce may show. Every value is at most M =
 * max(|a|+|b|) in magnitude, and so is every weighted mean of them; each
 * rounding adds at most its unit roundoff times M, and the folds are convex
 * combinations, so earlier errors do not grow. f32: the inputs' rounding and
 * at most n-1 folds (ring) or one final rounding (star): (n+2)·2^-24·M.
 * fp16 adds one binary16 rounding (≤ 2^-11 relative, round to nearest even)
 * per hop a chunk makes: n-1 reduce-scatter sends plus the owner's final
 * rounding (ring), or GRADS then AVG (star): (n+2)·2^-11·M covers both.
 */
export function soakTolerance(call: SoakCall, shares: readonly RankShare[]): number {
  const n = shares.length;
  let magnitude = 0;
  for (const share of shares) if (share.weight > 0) magnitude = Math.max(magnitude, Math.abs(share.a) + Math.abs(share.b));
  const f32 = (n + 2) * 2 ** -24 * magnitude;
  return call.fp16 ? f32 + (n + 2) * 2 ** -11 * magnitude : f32;
}

/** A sampled fingerprint of a result's bytes (every 61st value and the length), to see that all ranks hold the same bytes. */
export function resultFingerprint(result: Float32Array): number {
  const bits = new Uint32Array(result.buffer, result.byteOffset, result.length);
  let hash = 0x811c9dc5 ^ result.length;
  for (let i = 0; i < bits.length; i += 61) hash = Math.imul(hash ^ bits[i], 0x01000193);
  if (bits.length > 0) hash = Math.imul(hash ^ bits[bits.length - 1], 0x01000193);
  return hash >>> 0;
}
