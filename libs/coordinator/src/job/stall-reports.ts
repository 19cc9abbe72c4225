import type { ReduceStalledHeader } from '@ganglion/comm';

/** What the coordinator does about a stalled reduction. */
export type StallVerdict =
  /** Drop these ranks (they did not deliver) and re-form the group without them. */
  | { readonly kind: 'drop'; readonly ranks: readonly number[]; readonly reason: string }
  /** Nobody can be blamed (star: every rank sent its GRADS): re-form the same workers under a new generation. */
  | { readonly kind: 'reform'; readonly reason: string };

/**
 * The REDUCE_STALLED reports of one generation, and the verdict on them.
 * Ranks waiting behind a stuck peer time out within moments of each
 * other, so the first report opens a window of `gatherMs` (closed early
 * once every rank but one reported) before the verdict:
 *
 * - ring, when the ranks' probes (REDUCE_STALLED.unreachable) show one
 *   rank's link down: it could connect to no one or no one to it, while
 *   every other pair connected. That rank goes, whatever the waits say: a
 *   link that fails both ways starves every rank's wait alike;
 * - ring: a stall starts right behind the peer that stopped delivering,
 *   so the report that received least names it (its left neighbour);
 *   among equals, a suspect that reported a stall itself goes first: it is
 *   alive, yet what it sent did not arrive, so its own link is broken (a
 *   broken link also starves its inbound side, which is why it accused
 *   its own left neighbour), then the lowest reporting rank's suspect;
 * - star (no suspect in the reports): the ranks whose GRADS the
 *   coordinator's aggregator still waits for; when it waits for none (the
 *   AVG went missing), the group is re-formed with everyone.
 */
export class StallReports {
  private readonly reports = new Map<number, ReduceStalledHeader>();
  private openedAt: number | undefined;

  constructor(private readonly gatherMs: number) {}

  /** A report arrived at `now` (ms). */
  add(header: ReduceStalledHeader, now: number): void {
    if (this.reports.has(header.rank)) return;
    this.reports.set(header.rank, header);
    this.openedAt ??= now;
  }

  get pending(): boolean {
    return this.reports.size > 0;
  }

  /** Ms until the verdict is due (Infinity without reports). */
  dueIn(now: number): number {
    return this.openedAt === undefined ? Infinity : Math.max(0, this.openedAt + this.gatherMs - now);
  }

  /**
   * The verdict, once due; undefined while reports may still come.
   * `missingGrads(step, phase)`: the ranks the star aggregator waits for.
   */
  verdict(now: number, worldSize: number, missingGrads: (step: number, phase: number) => readonly number[]): StallVerdict | undefined {
    if (this.openedAt === undefined) return undefined;
    if (this.reports.size < worldSize - 1 && this.dueIn(now) > 0) return undefined;
    const reports = [...this.reports.values()];
    const evidence = reports
      .map((r) => `rank ${r.rank} waited for ${r.awaiting} (${r.received} received${r.unreachable?.length ? `; could not connect to rank ${r.unreachable.join(', ')}` : ''})`)
      .join('; ');
    const stalledMs = Math.max(...reports.map((r) => r.stalledMs));
    const cut = linkDown(reports, worldSize);
    if (cut !== undefined) {
      return {
        kind: 'drop',
        ranks: [cut.rank],
        reason: `its reduce stalled: rank ${cut.rank} did not deliver for ${seconds(stalledMs)} (--reduce-timeout) and its link is down (no TCP connection ${cut.pairs}; the other ranks connect to each other); ${evidence}`,
      };
    }
    const named = reports.filter((r) => r.suspectRank !== null && r.suspectRank !== r.rank && r.suspectRank < worldSize);
    if (named.length > 0) {
      const accusedAccuser = (r: ReduceStalledHeader): number => (this.reports.has(r.suspectRank as number) ? 0 : 1);
      named.sort((a, b) => a.received - b.received || accusedAccuser(a) - accusedAccuser(b) || a.rank - b.rank);
      const culprit = named[0].suspectRank as number;
      return { kind: 'drop', ranks: [culprit], reason: `its reduce stalled: rank ${culprit} did not deliver for ${seconds(named[0].stalledMs)} (--reduce-timeout); ${evidence}` };
    }
    const first = reports[0];
    const missing = missingGrads(first.step, first.phase).filter((rank) => rank < worldSize);
    if (missing.length > 0) {
      return { kind: 'drop', ranks: missing, reason: `its reduce stalled: no GRADS for step ${first.step} phase ${first.phase} within ${seconds(first.stalledMs)} (--reduce-timeout); ${evidence}` };
    }
    return { kind: 'reform', reason: `a reduce stalled with every rank's GRADS in; ${evidence}` };
  }

  /** Forgets the reports (after a verdict, or when a new generation forms). */
  clear(): void {
    this.reports.clear();
    this.openedAt = undefined;
  }
}

/**
 * The one rank every failed probe involves, when there is one: the
 * connections that failed (either way round) all have it at one end, and
 * it is at the end of more of them than any other rank. Undefined when no
 * probe failed, or the failures do not single out a rank (two ranks with
 * one failed connection between them, or two broken links).
 */
function linkDown(reports: readonly ReduceStalledHeader[], worldSize: number): { rank: number; pairs: string } | undefined {
  const failed = new Map<string, [number, number]>();
  for (const report of reports) {
    for (const other of report.unreachable ?? []) {
      if (other === report.rank || other >= worldSize) continue;
      const pair: [number, number] = report.rank < other ? [report.rank, other] : [other, report.rank];
      failed.set(pair.join('-'), pair);
    }
  }
  if (failed.size === 0) return undefined;
  const degree = new Map<number, number>();
  for (const [a, b] of failed.values()) {
    degree.set(a, (degree.get(a) ?? 0) + 1);
    degree.set(b, (degree.get(b) ?? 0) + 1);
  }
  const [first, second] = [...degree].sort((x, y) => y[1] - x[1]);
  if (second !== undefined && second[1] === first[1]) return undefined;
  const rank = first[0];
  if (first[1] !== failed.size) return undefined; // a failed connection between two other ranks: more than one link is down
  const pairs = [...failed.values()].map(([a, b]) => `between ranks ${a} and ${b}`).join(', ');
  return { rank, pairs };
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
