import { type WelcomeHeader, decodeMessageOrThrow, encodeMessage } from '@ganglion/comm';

/** For specs: a valid WELCOME of `generation` giving `rank` of `worldSize` (ring reducer), decoded as a worker receives it. */
export function welcomeHeader(
  generation: number,
  rank: number,
  worldSize: number,
  pipeline: WelcomeHeader['pipeline'] = { path: '/p.ts', hash: 'h', options: {} },
): WelcomeHeader {
  const init = {
    type: 'WELCOME' as const,
    generation,
    step: 0,
    rank,
    worldSize,
    seed: 1,
    pipeline,
    reducer: { name: 'ring', bucketBytes: 1024, fp16: false },
    peers: Array.from({ length: worldSize }, (_, r) => `tcp://w${r}:1`),
  };
  return decodeMessageOrThrow(encodeMessage(init)).header as WelcomeHeader;
}
