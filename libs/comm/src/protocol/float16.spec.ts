import { decodeFloat16, encodeFloat16 } from './float16';

/** Reference: round |x| to the nearest binary16 value (ties to even) in double precision, by search over the grid. */
function referenceHalf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const sign = x < 0 || Object.is(x, -0) ? -1 : 1;
  const a = Math.abs(x);
  if (a >= 65520) return sign * Infinity;
  // Spacing of binary16 values around a: 2^(e-10) for normals, 2^-24 for subnormals.
  const exponent = a < 2 ** -14 ? -14 : Math.floor(Math.log2(a));
  const ulp = 2 ** (exponent - 10);
  const low = Math.floor(a / ulp) * ulp;
  const high = low + ulp;
  const toLow = a - low;
  const toHigh = high - a;
  let r: number;
  if (toLow < toHigh) r = low;
  else if (toHigh < toLow) r = high;
  else r = Math.round(low / ulp) % 2 === 0 ? low : high;
  return sign * r;
}

function roundTrip(values: number[]): Float32Array {
  return decodeFloat16(encodeFloat16(Float32Array.from(values)));
}

describe('float16', () => {
  it('encodes known values exactly', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff],
      [65519, 0x7bff],
      [65520, 0x7c00],
      [1e6, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -14, 0x0400],
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000], // exact tie between 0 and 2^-24: rounds to even (0)
      [3 * 2 ** -25, 0x0002], // tie between 1 and 2 ulps: rounds to even (2)
      [1 + 2 ** -11, 0x3c00], // tie: 1.0 is even
      [1 + 3 * 2 ** -11, 0x3c02], // tie: rounds up to the even mantissa
      [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above the tie
    ];
    const encoded = encodeFloat16(Float32Array.from(cases.map(([x]) => x)));
    expect(Array.from(encoded).map((h) => h.toString(16))).toEqual(cases.map(([, h]) => h.toString(16)));
  });

  it('keeps NaN a NaN', () => {
    const [h] = encodeFloat16(Float32Array.of(NaN));
    expect(h & 0x7c00).toBe(0x7c00);
    expect(h & 0x03ff).not.toBe(0);
    expect(Number.isNaN(decodeFloat16(Uint16Array.of(h))[0])).toBe(true);
  });

  it('decodes every binary16 value exactly and re-encodes it to the same bits', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const decoded = decodeFloat16(all);
    const again = encodeFloat16(decoded);
    for (let h = 0; h < 65536; h++) {
      const isNaN16 = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (isNaN16) {
        expect(Number.isNaN(decoded[h])).toBe(true);
        continue;
      }
      if (again[h] !== h) {
        throw new Error(`0x${h.toString(16)} decoded to ${decoded[h]} re-encoded to 0x${again[h].toString(16)}`);
      }
    }
    expect(decoded[0x3c00]).toBe(1);
    expect(decoded[0x0001]).toBe(2 ** -24);
    expect(decoded[0x7bff]).toBe(65504);
    expect(decoded[0xfc00]).toBe(-Infinity);
  });

  it('rounds to nearest even like a double-precision reference, within 2^-11 relative error for normals', () => {
    let seed = 12345;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const values = new Float32Array(200_000);
    for (let i = 0; i < values.length; i++) {
      values[i] = (next() - 0.5) * 2 ** Math.floor(next() * 44 - 28);
    }
    const decoded = decodeFloat16(encodeFloat16(values));
    let worstRelative = 0;
    for (let i = 0; i < values.length; i++) {
      const expected = referenceHalf(values[i]);
      if (decoded[i] !== expected) {
        throw new Error(`${values[i]} rounded to ${decoded[i]}, reference ${expected}`);
      }
      if (Math.abs(values[i]) >= 2 ** -14 && Math.abs(values[i]) <= 65504) {
        worstRelative = Math.max(worstRelative, Math.abs(decoded[i] - values[i]) / Math.abs(values[i]));
      }
    }
    expect(worstRelative).toBeLessThanOrEqual(2 ** -11);
    expect(worstRelative).toBeGreaterThan(2 ** -12); // the bound is reached, so it is the real precision
  });

  it('round-trips small integers and refuses mismatched targets', () => {
    expect(Array.from(roundTrip([1, 2, 3, 2048, -7]))).toEqual([1, 2, 3, 2048, -7]);
    expect(() => encodeFloat16(new Float32Array(3), new Uint16Array(2))).toThrow(/target holds 2 values but source has 3/);
    expect(() => decodeFloat16(new Uint16Array(3), new Float32Array(4))).toThrow(RangeError);
  });
});
