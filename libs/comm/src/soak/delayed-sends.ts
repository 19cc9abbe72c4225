import type { RingReducerTransport } from '../reduce/ring-reducer';
import type { StarWorkerTransport } from '../reduce/star-reducer';

/** How often and how long the soak holds a send back. */
export interface SendDelayOptions {
  /** Chance that a send is delayed, 0..1. */
  readonly probability: number;
  /** Longest delay, ms (uniform in 0..maxMs). */
  readonly maxMs: number;
  /** Random source in [0, 1) (seeded in the soak, so a run can be replayed). */
  readonly random: () => number;
  /**
   * Extra ms to hold a ring send of this round, on top of the random delay
   * (the soak holds rank 0's forwards in each world's closing call, so its
   * last forward is still queued when its call ends). Default: none.
   */
  readonly holdRing?: (round: number) => number;
}

function pause(options: SendDelayOptions, extraMs = 0): Promise<void> | undefined {
  const ms = (options.random() < options.probability ? options.random() * options.maxMs : 0) + extraMs;
  return ms === 0 ? undefined : new Promise((resolve) => setTimeout(resolve, ms));
}

/** A ring transport whose sends sometimes wait a little first, so messages of concurrent buckets leave in shuffled orders. */
export function withRingSendDelays(transport: RingReducerTransport, options: SendDelayOptions): RingReducerTransport {
  return {
    get endpoint() {
      return transport.endpoint;
    },
    connect: (membership) => transport.connect(membership),
    take: (key, read, wait) => transport.take(key, read, wait),
    close: () => transport.close(),
    send: async (init, payload) => {
      await pause(options, options.holdRing?.(init.round));
      return transport.send(init, payload);
    },
  };
}

/** The star's worker connection, with sends sometimes held back. */
export function withStarSendDelays(transport: StarWorkerTransport, options: SendDelayOptions): StarWorkerTransport {
  return {
    route: (type, handler) => transport.route(type, handler),
    send: async (init, payload) => {
      await pause(options);
      return transport.send(init, payload);
    },
  };
}
