/** What the parent and the ranks of the alternated ring measurement share (alternated-ring-child.ts, alternated-ring-timing.ts). */

/** The methods, in the order each round times them. */
export const ALTERNATED_METHODS = ['raw TCP ring', 'raw TCP stream', 'raw ZeroMQ ring', 'ring f32', 'ring fp16'] as const;
export type AlternatedMethod = (typeof ALTERNATED_METHODS)[number];

export interface AlternatedRankRequest {
  readonly rank: number;
  readonly worldSize: number;
  readonly floats: number;
  readonly runs: number;
  readonly warmup: number;
}

/** IPC with the parent: where this rank listens, and everyone's addresses (the end goes through rank-processes.ts). */
export type AlternatedRankMessage =
  | { readonly kind: 'listening'; readonly rank: number; readonly ring: string; readonly zmq: string; readonly tcpPort: number }
  | { readonly kind: 'peers'; readonly ring: readonly string[]; readonly zmq: readonly string[]; readonly tcpPorts: readonly number[] };
