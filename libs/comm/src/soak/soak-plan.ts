/** The sizes a soak mixes, with how often each is drawn (weights need not sum to 1). */
export interface SoakSize {
  /** Label in tables, e.g. `4 KiB`. */
  readonly label: string;
  /** Nominal float32 count; each call adds up to `jitter` more so chunks come out uneven. */
  readonly floats: number;
  readonly weight: number;
}

/** One allreduce of the plan; every rank runs the same calls in the same order. */
export interface SoakCall {
  /** Position in the plan; also the call's step. */
  readonly index: number;
  readonly strategy: 'ring' | 'star';
  readonly curve: boolean;
  readonly fp16: boolean;
  readonly size: string;
  readonly floats: number;
  /** Seeds this call's vectors and weights. */
  readonly seed: number;
}

export interface SoakPlanOptions {
  readonly calls: number;
  readonly seed: number;
  readonly sizes?: readonly SoakSize[];
  /**
   * Calls forced to the largest size, ring, plain, f32: the last call of
   * each world, after which its ranks close at once (the case that used to
   * stall: a rank's last forward still queued when it closed).
   */
  readonly closingCalls?: readonly number[];
}

const KIB = 1024 / 4;
const MIB = (1024 * 1024) / 4;

/** Mostly small calls, as gradient buckets of real models are, with a steady share of 4 to 40 MiB. */
export const DEFAULT_SOAK_SIZES: readonly SoakSize[] = [
  { label: '4 KiB', floats: 4 * KIB, weight: 55 },
  { label: '64 KiB', floats: 64 * KIB, weight: 27 },
  { label: '1 MiB', floats: MIB, weight: 13 },
  { label: '4 MiB', floats: 4 * MIB, weight: 4 },
  { label: '16 MiB', floats: 16 * MIB, weight: 0.6 },
  { label: '40 MiB', floats: 40 * MIB, weight: 0.4 },
];

/** Sizes of the short form (npm test): the same mix up to 4 MiB; 40 MiB only as each world's closing call. */
export const SHORT_SOAK_SIZES: readonly SoakSize[] = [
  { label: '4 KiB', floats: 4 * KIB, weight: 45 },
  { label: '64 KiB', floats: 64 * KIB, weight: 30 },
  { label: '1 MiB', floats: MIB, weight: 20 },
  { label: '4 MiB', floats: 4 * MIB, weight: 5 },
  { label: '40 MiB', floats: 40 * MIB, weight: 0 },
];

/** mulberry32: a small seeded generator, so every process derives the same plan from the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The calls of a soak: strategy, CURVE, f32/fp16 and size drawn
 * independently per call, so every combination follows every other.
 */
export function buildSoakPlan(options: SoakPlanOptions): SoakCall[] {
  const sizes = options.sizes ?? DEFAULT_SOAK_SIZES;
  const totalWeight = sizes.reduce((sum, size) => sum + size.weight, 0);
  const random = seededRandom(options.seed);
  const calls: SoakCall[] = [];
  for (let index = 0; index < options.calls; index++) {
    let pick = random() * totalWeight;
    let size = sizes[sizes.length - 1];
    for (const candidate of sizes) {
      pick -= candidate.weight;
      if (pick < 0) {
        size = candidate;
        break;
      }
    }
    const strategy = random() < 0.5 ? 'ring' : 'star';
    const curve = random() < 0.5;
    const fp16 = random() < 0.5;
    const closing = options.closingCalls?.includes(index) ?? false;
    if (closing) size = sizes.reduce((largest, candidate) => (candidate.floats > largest.floats ? candidate : largest));
    calls.push({
      index,
      strategy: closing ? 'ring' : strategy,
      curve: curve && !closing,
      fp16: fp16 && !closing,
      size: size.label,
      floats: size.floats + Math.floor(random() * 64),
      seed: Math.floor(random() * 2 ** 31),
    });
  }
  return calls;
}
