/** Fewer workers than asked for joined in time. */
export class JoinTimeoutError extends Error {
  override readonly name = 'JoinTimeoutError';
}

/** A worker reported a failure, disconnected, or broke the protocol while training. */
export class WorkerFailedError extends Error {
  override readonly name = 'WorkerFailedError';
}

/** The replicas' weights differ: the job is no longer data parallel. */
export class ChecksumMismatchError extends Error {
  override readonly name = 'ChecksumMismatchError';
}

/** The run was stopped from outside (Ctrl-C, SIGTERM, a launcher). */
export class CoordinatorInterruptedError extends Error {
  override readonly name = 'CoordinatorInterruptedError';
}
