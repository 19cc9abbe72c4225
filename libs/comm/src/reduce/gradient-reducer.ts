import type { WelcomeHeader } from '../protocol/messages';

/** Which collective call this is. Every rank passes the same context for the same call. */
export interface ReduceContext {
  /** Membership generation the call belongs to; must equal the one given to configure(). */
  readonly generation: number;
  readonly step: number;
  /** Phase within the step (0, or 0 then 1 for a GAN). (generation, step, phase) must increase from call to call. */
  readonly phase: number;
  /** Compress this call's frames to float16; overrides the reducer's `fp16` option. */
  readonly fp16?: boolean;
  /** Aborts the call (e.g. on a membership change); it then rejects with ReduceAbortedError. */
  readonly signal?: AbortSignal;
  /**
   * Write the mean into this array (same length as the values, sharing no
   * memory with them) and resolve with it, instead of a new array. A caller
   * that reduces every step passes the same array each time, as DDP reduces
   * its buckets in place: fresh memory costs a page fault per 4 KiB on first
   * write, which on a VM can cost more than moving the bytes. Its contents
   * are undefined until the call resolves, and after it rejects.
   */
  readonly into?: Float32Array;
}

/** Who takes part, as the coordinator's WELCOME says (see membershipFromWelcome). */
export interface Membership {
  readonly generation: number;
  readonly rank: number;
  readonly worldSize: number;
  /** Ring endpoints by rank (ring only; empty for star). */
  readonly peers: readonly string[];
  /** CURVE public keys by rank, when the ring runs CURVE (WELCOME.peerKeys); absent otherwise. */
  readonly peerKeys?: readonly string[];
}

/** Options every reducer takes. */
export interface ReducerOptions {
  /** Largest bucket, in bytes of float32 values, sent as one message. Default 4 MiB (DEFAULT_BUCKET_BYTES). */
  readonly bucketBytes?: number;
  /** Send float16 instead of float32 frames (half the bytes, ~3 significant digits). Default false. */
  readonly fp16?: boolean;
  /** A call that has not completed after this many milliseconds rejects with ReduceTimeoutError. Default 120000. */
  readonly timeoutMs?: number;
}

/** A reducer's configuration as plain data (getConfig()). */
export interface ReducerConfig {
  readonly name: string;
  readonly bucketBytes: number;
  readonly fp16: boolean;
  readonly timeoutMs: number;
}

export const DEFAULT_BUCKET_BYTES = 4 * 1024 * 1024;
export const DEFAULT_REDUCE_TIMEOUT_MS = 120_000;

/**
 * A collective that averages one float vector across the ranks of a job:
 * every rank calls allreduce with its vector (same length on every rank)
 * and its weight (its local sample count) and gets back the weighted mean
 * sum_r(w_r * v_r) / sum_r(w_r) — the same bytes on every rank. If every
 * weight is 0 the result is all zeros. A rank with weight 0 contributes
 * nothing, even if its values are NaN.
 *
 * The input is never mutated and the result is a new array. The input may
 * be sent without copying: leave it untouched until the call settles (and,
 * after a rejected call, until the next membership change).
 */
export interface GradientReducer {
  /** Registry name: 'star' or 'ring'. */
  readonly name: string;
  /** Adopts a membership (after each WELCOME). Aborts calls still in flight for an older generation. */
  configure(membership: Membership): Promise<void>;
  allreduce(values: Float32Array, weight: number, context: ReduceContext): Promise<Float32Array>;
  getConfig(): ReducerConfig;
  /** Releases what the reducer owns (the ring's sockets; not the WorkerSocket a star reducer was given). */
  close(): Promise<void>;
}

/** DI token for the job's reducer. */
export const GradientReducer = Symbol('GradientReducer');

export function resolveReducerConfig(name: string, options: ReducerOptions = {}): ReducerConfig {
  const bucketBytes = options.bucketBytes ?? DEFAULT_BUCKET_BYTES;
  if (!Number.isInteger(bucketBytes) || bucketBytes < 4) {
    throw new RangeError(`bucketBytes must be an integer of at least 4 (one float32), got ${bucketBytes}.`);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_REDUCE_TIMEOUT_MS;
  if (!(timeoutMs > 0)) {
    throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}.`);
  }
  return { name, bucketBytes, fp16: options.fp16 ?? false, timeoutMs };
}

/** The Membership a WELCOME assigns. */
export function membershipFromWelcome(header: WelcomeHeader): Membership {
  return {
    generation: header.generation,
    rank: header.rank,
    worldSize: header.worldSize,
    peers: header.peers,
    ...(header.peerKeys === undefined ? {} : { peerKeys: header.peerKeys }),
  };
}
