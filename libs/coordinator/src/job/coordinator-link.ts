import { type CoordinatorSocket, type Incoming, type MessageInit, type PayloadInit, type PeerId, PeerUnreachableError, WaitAbortedError, WaitTimeoutError } from '@ganglion/comm';
import { CoordinatorInterruptedError } from './coordinator-errors';
import type { CoordinatorMembers } from './coordinator-members';
import type { JobState } from './job-state';

/** The most messages held for a later stage (a worker sends a few at most; more is a broken or hostile one). */
const MAX_HELD = 64;

/** Why a worker counts as gone when a send to it fails. */
export const GONE_REASON = 'it is unreachable (the process died, or it stopped answering past --worker-timeout and its connection was dropped)';

export interface CoordinatorLinkOptions {
  /** HEARTBEAT to every worker this often; also the longest a receive waits before the caller looks around again. */
  readonly heartbeatIntervalMs: number;
  /** Stops the run: a receive then throws the signal's reason (or CoordinatorInterruptedError). */
  readonly signal?: AbortSignal;
}

/**
 * The coordinator's plumbing on its socket: receiving with the interval
 * and the abort signal, sending where a failed send marks the worker
 * gone, heartbeats, SHUTDOWN to everyone, and a failure recorded outside
 * the receive loop (the GRADS route) that the next receive throws.
 */
export class CoordinatorLink {
  private failure: Error | undefined;
  /** Messages that came before the stage that handles them: held, then released to the next receives. */
  private readonly held: Incoming[] = [];
  private readonly released: Incoming[] = [];

  constructor(
    private readonly socket: CoordinatorSocket,
    private readonly members: CoordinatorMembers,
    private readonly job: JobState,
    private readonly options: CoordinatorLinkOptions,
  ) {}

  /** The longest a receive waits: the heartbeat interval. */
  get interval(): number {
    return this.options.heartbeatIntervalMs;
  }

  /** Records the first failure seen outside the receive loop; the next receive throws it. */
  fail(error: Error): void {
    this.failure ??= error;
  }

  /**
   * Keeps a message that came before the stage that handles it (rank 0's
   * last step reports and final weights while the others still get ready)
   * until releaseHeld(); at most MAX_HELD, the rest are dropped (false).
   */
  holdForLater(incoming: Incoming): boolean {
    if (this.held.length + this.released.length >= MAX_HELD) return false;
    this.held.push(incoming);
    return true;
  }

  /** The messages held so far come first from the next receives. */
  releaseHeld(): void {
    this.released.push(...this.held.splice(0));
  }

  /** The next message (a released one first), or undefined after `timeoutMs`; throws a recorded failure or the interruption. */
  async next(timeoutMs: number): Promise<Incoming | undefined> {
    if (this.failure !== undefined) throw this.failure;
    const released = this.released.shift();
    if (released !== undefined) return released;
    try {
      return await this.socket.receive({ timeoutMs, signal: this.options.signal });
    } catch (error) {
      if (error instanceof WaitTimeoutError) return undefined;
      if (error instanceof WaitAbortedError) throw this.interruption();
      throw error;
    } finally {
      if (this.failure !== undefined) throw this.failure;
    }
  }

  /** Sends; false when the peer is unreachable (it is then reported gone). */
  async trySend(peer: PeerId, init: MessageInit, payload?: PayloadInit): Promise<boolean> {
    try {
      await this.socket.send(peer, init, payload);
      return true;
    } catch (error) {
      if (error instanceof PeerUnreachableError) {
        this.members.reportGone(peer, GONE_REASON);
        return false;
      }
      throw error;
    }
  }

  /** A HEARTBEAT to `peer` (an admitted worker then knows it was heard). */
  async acknowledge(peer: PeerId): Promise<void> {
    await this.trySend(peer, { type: 'HEARTBEAT', generation: this.job.generation, step: 0, sentAtMs: Date.now() });
  }

  /** A HEARTBEAT to every worker; one whose send fails is reported gone. */
  async beat(): Promise<void> {
    for (const member of this.members.all) {
      try {
        await this.socket.send(member.peer, { type: 'HEARTBEAT', generation: this.job.generation, step: 0, sentAtMs: Date.now() });
      } catch (error) {
        if (error instanceof PeerUnreachableError) this.members.reportGone(member.peer, GONE_REASON);
      }
    }
  }

  async shutdownAll(reason: string): Promise<void> {
    await Promise.allSettled(
      this.members.all.map((member) => this.socket.send(member.peer, { type: 'SHUTDOWN', generation: this.job.generation, step: 0, reason })),
    );
    // linger is 0: let the I/O thread put the SHUTDOWNs on the wire before the caller closes the socket.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  /** What run() rejects with: the interruption for an aborted wait, else the error itself. */
  explain(error: unknown): Error {
    if (error instanceof WaitAbortedError) return this.interruption();
    return error instanceof Error ? error : new Error(String(error));
  }

  private interruption(): Error {
    const reason: unknown = this.options.signal?.reason;
    if (reason instanceof Error) return reason;
    return new CoordinatorInterruptedError(typeof reason === 'string' ? reason : 'the run was interrupted');
  }
}
