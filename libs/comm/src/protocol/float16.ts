/**
 * IEEE 754 binary16 ("half") conversion for gradient compression.
 *
 * float32 → float16 rounds to nearest, ties to even (the algorithm of
 * F. Giesen's `float_to_half_fast3_rtne`): values at or above 65520 become
 * ±Infinity, values below 2^-24 / 2 flush to ±0, subnormals in between keep
 * what precision binary16 has, NaN stays NaN. The relative error of a
 * normal value (|x| in [2^-14, 65504]) is at most 2^-11 ≈ 4.9e-4; below
 * 2^-14 the absolute error is at most 2^-25 ≈ 3e-8.
 *
 * float16 → float32 is exact.
 */

const F32_INFINITY_BITS = 0x7f800000;
/** 65536 as float32 bits: at or above it binary16 overflows (65520 .. 65536 overflow once rounded). */
const F16_OVERFLOW_BITS = 0x47800000;
/** 2^-14 as float32 bits: the smallest normal binary16. */
const F16_MIN_NORMAL_BITS = 0x38800000;
/** 0.5f bits: adding 0.5 aligns a tiny value's mantissa for the subnormal encoding. */
const DENORM_MAGIC_BITS = 126 << 23;
/** (15 - 127) << 23: rebias the exponent from float32 to float16. */
const REBIAS = -(112 << 23);

/**
 * Encodes `source` into binary16 bits. Writes into `target` when given (it
 * must have the same length) and returns it.
 */
export function encodeFloat16(source: Float32Array, target: Uint16Array = new Uint16Array(source.length)): Uint16Array {
  if (target.length !== source.length) {
    throw new RangeError(`encodeFloat16: target holds ${target.length} values but source has ${source.length}`);
  }
  const bits = new Uint32Array(source.buffer, source.byteOffset, source.length);
  const scratch = new Float32Array(1);
  const scratchBits = new Uint32Array(scratch.buffer);
  for (let i = 0; i < bits.length; i++) {
    const word = bits[i];
    const sign = (word >>> 16) & 0x8000;
    let x = word & 0x7fffffff;
    let half: number;
    if (x >= F16_OVERFLOW_BITS) {
      half = x > F32_INFINITY_BITS ? 0x7e00 : 0x7c00;
    } else if (x < F16_MIN_NORMAL_BITS) {
      // Let the float adder round: |x| + 0.5 leaves the binary16 subnormal mantissa in the low bits.
      scratchBits[0] = x;
      scratch[0] = scratch[0] + 0.5;
      half = (scratchBits[0] - DENORM_MAGIC_BITS) >>> 0;
    } else {
      const mantissaOdd = (x >>> 13) & 1;
      x = (x + REBIAS + 0xfff + mantissaOdd) >>> 0;
      half = x >>> 13;
    }
    target[i] = half | sign;
  }
  return target;
}

/** Decodes binary16 bits exactly. Writes into `target` when given (same length) and returns it. */
export function decodeFloat16(source: Uint16Array, target: Float32Array = new Float32Array(source.length)): Float32Array {
  if (target.length !== source.length) {
    throw new RangeError(`decodeFloat16: target holds ${target.length} values but source has ${source.length}`);
  }
  const bits = new Uint32Array(target.buffer, target.byteOffset, target.length);
  for (let i = 0; i < source.length; i++) {
    const half = source[i];
    const sign = (half & 0x8000) << 16;
    const exponent = (half >>> 10) & 0x1f;
    const mantissa = half & 0x3ff;
    if (exponent === 0) {
      // Zero or subnormal: mantissa * 2^-24, exact in float32.
      target[i] = (sign ? -mantissa : mantissa) * 5.960464477539063e-8;
    } else if (exponent === 31) {
      bits[i] = (sign | F32_INFINITY_BITS | (mantissa << 13)) >>> 0;
    } else {
      bits[i] = (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0;
    }
  }
  return target;
}

/**
 * float32 <-> binary16 with encodeFloat16's and decodeFloat16's contract
 * and bits: the scalar functions (SCALAR_FLOAT16) or SimdFloat16.
 */
export interface Float16Codec {
  encode(source: Float32Array, target: Uint16Array): Uint16Array;
  decode(source: Uint16Array, target: Float32Array): Float32Array;
}

/** encodeFloat16 and decodeFloat16 as a Float16Codec. */
export const SCALAR_FLOAT16: Float16Codec = { encode: encodeFloat16, decode: decodeFloat16 };
