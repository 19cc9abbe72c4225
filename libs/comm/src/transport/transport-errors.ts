/** A wait on a socket or mailbox that ended because the socket or transport was closed. */
export class SocketClosedError extends Error {
  override readonly name = 'SocketClosedError';
}

/** A wait that ran past its `timeoutMs`. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

/** A wait cancelled through its AbortSignal; `cause` holds the signal's reason. */
export class WaitAbortedError extends Error {
  override readonly name = 'WaitAbortedError';
}

/**
 * The coordinator's ROUTER could not route to a peer: it never connected,
 * or its connection is gone (ROUTER `mandatory` turns the silent drop into
 * this error). Treat the peer as dead: bump the generation and re-rank.
 */
export class PeerUnreachableError extends Error {
  override readonly name = 'PeerUnreachableError';

  constructor(
    readonly peer: string,
    options?: { cause?: unknown },
  ) {
    super(`Peer ${JSON.stringify(peer)} is not connected to this ROUTER; treat it as gone and re-rank the job.`, options);
  }
}
