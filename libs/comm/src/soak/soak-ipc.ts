import type { CurveKeyPair } from '../transport/curve-options';

/** What the soak runner tells one rank process (argv[2], JSON). */
export interface SoakRankRequest {
  readonly workerId: string;
  /** The plain and the CURVE coordinator (ROUTER) endpoints. */
  readonly plainEndpoint: string;
  readonly curveEndpoint: string;
  readonly serverKey: string;
  readonly keyPair: CurveKeyPair;
  /** The plan: every rank rebuilds it from these, then runs the calls whose index is in [from, to). */
  readonly planSeed: number;
  readonly planCalls: number;
  readonly sizes: 'default' | 'short';
  /** See SoakPlanOptions.closingCalls. */
  readonly closingCalls: readonly number[];
  readonly from: number;
  readonly to: number;
  readonly delay: { readonly probability: number; readonly maxMs: number };
  /** Reduce timeout: a call that takes longer counts as a stall. */
  readonly timeoutMs: number;
}

/** One finished call on one rank. */
export interface SoakRankRecord {
  readonly index: number;
  readonly rank: number;
  readonly ms: number;
  readonly maxError: number;
  readonly tolerance: number;
  readonly fingerprint: number;
}

/** Rank → runner, over IPC. */
export type SoakRankMessage =
  | { readonly kind: 'records'; readonly records: readonly SoakRankRecord[] }
  | { readonly kind: 'failed'; readonly rank: number; readonly index: number; readonly error: string }
  | { readonly kind: 'done'; readonly rank: number };
