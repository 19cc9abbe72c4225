import { seededRandom } from '../../soak/soak-plan';
import { decodeFloat16, encodeFloat16 } from '../float16';
import { SimdFloat16 } from './simd-float16';

/** float32 values with the given bits. */
function floatsOfBits(bits: readonly number[]): Float32Array {
  return new Float32Array(Uint32Array.from(bits).buffer);
}

/** Float32 bit patterns where encoding can go wrong: each binary16 value, its neighbours, and the midpoints to the next one. */
function boundaryBits(): number[] {
  const exact = new Uint32Array(decodeFloat16(Uint16Array.from({ length: 0x10000 }, (_, h) => h)).buffer);
  const bits: number[] = [];
  for (let h = 0; h < 0x10000; h++) {
    const here = exact[h];
    const next = exact[(h + 1) & 0xffff];
    const midpoint = Math.floor((here + next) / 2); // bitwise halfway between two adjacent binary16 values of one sign
    bits.push(here, here + 1, here - 1, midpoint - 1, midpoint, midpoint + 1);
  }
  // Overflow (65520 rounds up to Infinity), the smallest normal, the subnormals' rounding, Infinity and NaNs, signed.
  for (const edge of [0x477fe000, 0x477fefff, 0x477ff000, 0x47800000, 0x38800000, 0x387fffff, 0x33000000, 0x33000001, 0x32ffffff, 0x7f800000, 0x7f800001, 0x7fc00000, 0x7fffffff, 0]) {
    bits.push(edge, (edge | 0x80000000) >>> 0);
  }
  return bits.map((b) => b >>> 0);
}

function sameBits(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('SimdFloat16', () => {
  it('runs in WebAssembly SIMD on Node 20', () => {
    expect(new SimdFloat16().simd).toBe(true);
  });

  it('decodes every binary16 value to the bits decodeFloat16 gives', () => {
    const every = Uint16Array.from({ length: 0x10000 }, (_, h) => h);
    const simd = new SimdFloat16().decode(every);
    expect(sameBits(simd, decodeFloat16(every))).toBe(true);
  });

  it('encodes to the bits encodeFloat16 gives: around every binary16 value, at the edges, and on random bit patterns', () => {
    const codec = new SimdFloat16();
    const boundaries = floatsOfBits(boundaryBits());
    expect(sameBits(codec.encode(boundaries), encodeFloat16(boundaries))).toBe(true);
    const random = seededRandom(16);
    const randomBits = floatsOfBits(Array.from({ length: 1_000_003 }, () => Math.floor(random() * 2 ** 32)));
    expect(sameBits(codec.encode(randomBits), encodeFloat16(randomBits))).toBe(true);
  });

  it('converts every length the same, vector part and tail, into the given targets, past several memory growths', () => {
    const codec = new SimdFloat16();
    const random = seededRandom(7);
    for (const length of [0, 1, 7, 8, 9, 255, 256, 257, 263, 4099, 70_001, 1_048_583, 300]) {
      const values = Float32Array.from({ length }, () => (random() - 0.5) * 10 ** Math.floor(random() * 12 - 8));
      const encoded = new Uint16Array(length);
      expect(codec.encode(values, encoded)).toBe(encoded);
      expect(sameBits(encoded, encodeFloat16(values))).toBe(true);
      const decoded = new Float32Array(length);
      expect(codec.decode(encoded, decoded)).toBe(decoded);
      expect(sameBits(decoded, decodeFloat16(encoded))).toBe(true);
    }
  });

  it('refuses a target of another length, as the scalar functions do', () => {
    const codec = new SimdFloat16();
    expect(() => codec.encode(new Float32Array(1000), new Uint16Array(999))).toThrow('encodeFloat16: target holds 999 values but source has 1000');
    expect(() => codec.decode(new Uint16Array(1000), new Float32Array(1001))).toThrow('decodeFloat16: target holds 1001 values but source has 1000');
  });

  it('converts in JavaScript where the module does not validate', () => {
    const plain = new SimdFloat16(Buffer.from('not wasm').toString('base64'));
    expect(plain.simd).toBe(false);
    const values = Float32Array.from({ length: 1001 }, (_, i) => i / 7 - 50);
    expect(sameBits(plain.encode(values), encodeFloat16(values))).toBe(true);
  });
});
