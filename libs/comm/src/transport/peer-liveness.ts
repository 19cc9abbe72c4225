/**
 * Application-level liveness: when each peer was last heard from. ZMTP
 * heartbeats catch dead connections; this catches a live process that stopped
 * answering (hung in a kernel, stopped by a debugger). The clock is injected
 * so tests need no waiting.
 */
export class PeerLiveness {
  private readonly lastSeen = new Map<string, number>();

  /**
   * @param timeoutMs a peer not heard from for longer than this is expired
   * @param now the clock, in milliseconds
   */
  constructor(
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records any message from `peer`. */
  seen(peer: string): void {
    this.lastSeen.set(peer, this.now());
  }

  forget(peer: string): void {
    this.lastSeen.delete(peer);
  }

  /** Peers silent for longer than timeoutMs, oldest first. They stay tracked until forgotten. */
  expired(): string[] {
    const limit = this.now() - this.timeoutMs;
    return [...this.lastSeen.entries()]
      .filter(([, at]) => at < limit)
      .sort((a, b) => a[1] - b[1])
      .map(([peer]) => peer);
  }

  peers(): string[] {
    return [...this.lastSeen.keys()];
  }
}
