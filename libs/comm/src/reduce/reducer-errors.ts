/** The registry has no reducer of that name (PyTorch c10d style: a named error, not a silent fallback). */
export class UnknownReducerError extends Error {
  override readonly name = 'UnknownReducerError';

  constructor(
    readonly reducer: string,
    readonly known: readonly string[],
  ) {
    super(`No gradient reducer named ${JSON.stringify(reducer)}; choose one of: ${known.join(', ')}.`);
  }
}

/** A reducer was asked for without the transport it needs. */
export class ReducerDependencyError extends Error {
  override readonly name = 'ReducerDependencyError';
}

/** allreduce was called out of order: before configure(), for another generation, or with a context that does not advance. */
export class ReduceContextError extends Error {
  override readonly name = 'ReduceContextError';
}

/** What a stalled allreduce was waiting for when its timeout struck (ReduceTimeoutError.stall). */
export interface ReduceStall {
  readonly generation: number;
  readonly step: number;
  readonly phase: number;
  /**
   * The rank whose message did not come: the ring's left neighbour. Null
   * when the reducer cannot tell (star: the coordinator knows which ranks
   * sent no GRADS).
   */
  readonly suspectRank: number | null;
  /** Messages of the call received so far: the rank that received fewest waits right behind the stall. */
  readonly received: number;
  /** What was awaited, in words (e.g. 'bucket 0 round 1 from rank 2 at tcp://127.0.0.1:40123'). */
  readonly awaiting: string;
  /** How long nothing arrived, in ms (the reducer's timeoutMs). */
  readonly stalledMs: number;
}

/** allreduce made no progress (nothing received) for the reducer's timeoutMs. `stall` says what it waited for. */
export class ReduceTimeoutError extends Error {
  override readonly name = 'ReduceTimeoutError';

  constructor(
    message: string,
    readonly stall?: ReduceStall,
  ) {
    super(message);
  }
}

/** allreduce was aborted: by the caller's signal, a membership change, or close(). `cause` says which. */
export class ReduceAbortedError extends Error {
  override readonly name = 'ReduceAbortedError';
}
