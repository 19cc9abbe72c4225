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

/** allreduce did not complete within the reducer's timeoutMs. */
export class ReduceTimeoutError extends Error {
  override readonly name = 'ReduceTimeoutError';
}

/** allreduce was aborted: by the caller's signal, a membership change, or close(). `cause` says which. */
export class ReduceAbortedError extends Error {
  override readonly name = 'ReduceAbortedError';
}
