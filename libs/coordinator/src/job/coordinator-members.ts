import type { HelloHeader, PeerId } from '@ganglion/comm';

/** A worker admitted to the job. */
export interface Member {
  readonly peer: PeerId;
  readonly hello: HelloHeader;
  /** Generation this worker said it is ready for (RING_READY), or -1. */
  readyFor: number;
  /** It holds the job's training state (it was ready in a generation): it can be the source of a STATE. */
  hasState: boolean;
}

/**
 * Who is in the job: the members in rank order, the workers admitted
 * since the last re-rank (they get a rank at the end of the current grant of steps), the
 * peers reported gone and not yet dropped, and those dropped (whose later
 * messages are answered with a fatal ERROR, not obeyed).
 */
export class CoordinatorMembers {
  /** Rank order of the current generation. */
  readonly ranked: Member[] = [];
  /** Admitted, waiting for the next re-rank. */
  readonly joining: Member[] = [];
  private readonly gone = new Map<PeerId, string>();
  private readonly dropped = new Set<PeerId>();

  /** Members and joiners together. */
  get all(): Member[] {
    return [...this.ranked, ...this.joining];
  }

  get count(): number {
    return this.ranked.length + this.joining.length;
  }

  memberOf(peer: PeerId): Member | undefined {
    return this.ranked.find((m) => m.peer === peer) ?? this.joining.find((m) => m.peer === peer);
  }

  rankOf(member: Member): number {
    return this.ranked.indexOf(member);
  }

  admit(peer: PeerId, hello: HelloHeader): Member {
    const member: Member = { peer, hello, readyFor: -1, hasState: false };
    this.joining.push(member);
    this.dropped.delete(peer);
    return member;
  }

  /** Ranks the joiners after the members (survivors keep their relative order). */
  promoteJoining(): void {
    this.ranked.push(...this.joining.splice(0));
  }

  /** Notes that `peer` is gone (a failed send, a disconnect); takePending() hands it out once. */
  reportGone(peer: PeerId, reason: string): void {
    if (this.memberOf(peer) !== undefined && !this.gone.has(peer)) this.gone.set(peer, reason);
  }

  /** The members reported gone since the last call, with why. */
  takeGone(): Array<{ member: Member; reason: string }> {
    const out: Array<{ member: Member; reason: string }> = [];
    for (const [peer, reason] of this.gone) {
      const member = this.memberOf(peer);
      if (member !== undefined) out.push({ member, reason });
    }
    this.gone.clear();
    return out;
  }

  get hasGone(): boolean {
    return this.gone.size > 0;
  }

  /** Removes a member or joiner; its later messages are refused. Returns its rank before removal (-1 for a joiner). */
  remove(member: Member): number {
    const rank = this.ranked.indexOf(member);
    if (rank >= 0) this.ranked.splice(rank, 1);
    const joining = this.joining.indexOf(member);
    if (joining >= 0) this.joining.splice(joining, 1);
    this.gone.delete(member.peer);
    this.dropped.add(member.peer);
    return rank;
  }

  wasDropped(peer: PeerId): boolean {
    return this.dropped.has(peer);
  }
}

/** `worker-1 (host, pid 42)`. */
export function describeWorker(hello: HelloHeader): string {
  return `${hello.workerId} (${hello.host}, pid ${hello.pid})`;
}
