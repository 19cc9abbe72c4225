/**
 * Counter-based random numbers: every value is a pure function of
 * (seed, key, position), so any process computes the same number for the
 * same global sample index without sharing state with the others. This is
 * what makes 2 workers x batch B train exactly like 1 worker x batch 2B:
 * noise is keyed by (seed, step, phase, global sample index), never by rank.
 *
 * The mixing function is the murmur3 32-bit finaliser applied over the key
 * words (the construction of counter-based generators such as Philox and
 * Threefry, with a cheaper round function). It is not cryptographic.
 */
export class CounterRandom {
  constructor(readonly seed: number) {}

  /** A stream of numbers determined by `key` alone (plus the seed). */
  stream(...key: number[]): RandomStream {
    let state = mix(this.seed >>> 0);
    for (const word of key) {
      state = mix((state ^ (word >>> 0)) + 0x9e3779b9);
      state = mix(state ^ Math.floor(word / 0x100000000));
    }
    return new RandomStream(state);
  }
}

/** Sequential draws from one key. Cheap to create: make one per sample. */
export class RandomStream {
  private counter = 0;

  constructor(private readonly key: number) {}

  /** Uniform in the open interval (0, 1). */
  nextUniform(): number {
    const bits = mix(mix(this.key ^ this.counter) + this.counter * 0x85ebca6b);
    this.counter += 1;
    return (bits + 0.5) / 0x100000000;
  }

  /** Standard normal, by the Box-Muller transform. */
  nextNormal(): number {
    const u1 = this.nextUniform();
    const u2 = this.nextUniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Writes `count` standard normals into `out` starting at `offset`. */
  fillNormal(out: Float32Array, offset: number, count: number): void {
    for (let i = 0; i < count; i++) out[offset + i] = this.nextNormal();
  }

  /** Integer uniform in [0, bound). */
  nextInt(bound: number): number {
    return Math.floor(this.nextUniform() * bound);
  }
}

/** murmur3 fmix32: a bijective avalanche on 32 bits. */
function mix(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
