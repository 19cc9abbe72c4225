import { PROTOCOL_VERSION, type ReduceStalledHeader } from '@ganglion/comm';
import { StallReports } from './stall-reports';

function stalled(rank: number, suspectRank: number | null, received: number): ReduceStalledHeader {
  return { type: 'REDUCE_STALLED', protocol: PROTOCOL_VERSION, generation: 1, step: 3, rank, phase: 0, suspectRank, received, awaiting: `round ${received}`, stalledMs: 3000 };
}

const noGrads = (): number[] => [];

describe('StallReports', () => {
  it('ring, a stopped rank: every other rank reports; the one that received least names the culprit, at once', () => {
    // Rank 2 of 4 stopped after its first chunk: rank 3 got 1 message, rank 0 got 2, rank 1 got 3.
    const reports = new StallReports(2000);
    reports.add(stalled(0, 3, 2), 0);
    reports.add(stalled(1, 0, 3), 5);
    expect(reports.verdict(10, 4, noGrads)).toBeUndefined(); // rank 3 may still report
    reports.add(stalled(3, 2, 1), 10);
    const verdict = reports.verdict(10, 4, noGrads);
    expect(verdict).toMatchObject({ kind: 'drop', ranks: [2] });
    expect(verdict?.reason).toMatch(/^its reduce stalled: rank 2 did not deliver for 3 s \(--reduce-timeout\); rank 0 waited for round 2 \(2 received\)/);
  });

  it('waits for the gathering window when fewer reports came, then judges what it has', () => {
    const reports = new StallReports(2000);
    reports.add(stalled(3, 2, 1), 100);
    expect(reports.verdict(1000, 4, noGrads)).toBeUndefined();
    expect(reports.dueIn(1000)).toBe(1100);
    expect(reports.verdict(2100, 4, noGrads)).toMatchObject({ kind: 'drop', ranks: [2] });
  });

  it('ring of two with a broken link: both report each other; the rank that received nothing names the culprit', () => {
    // Rank 1's sends are lost: rank 0 got nothing from it; rank 1 got rank 0's round 0.
    const reports = new StallReports(2000);
    reports.add(stalled(1, 0, 1), 0);
    reports.add(stalled(0, 1, 0), 1);
    expect(reports.verdict(1, 2, noGrads)).toMatchObject({ kind: 'drop', ranks: [1] });
  });

  it('among equal progress, a suspect that reported a stall itself goes first (its link is broken both ways)', () => {
    // Ring of 3, rank 0's link drops everything: rank 1 never got rank 0's round 0 (sent unconditionally),
    // and rank 0, starved on its inbound side too, blames rank 2. Rank 2, which got rank 1's chunks, is fine.
    const reports = new StallReports(2000);
    reports.add(stalled(0, 2, 0), 0);
    reports.add(stalled(1, 0, 0), 0);
    expect(reports.verdict(0, 3, noGrads)).toMatchObject({ kind: 'drop', ranks: [0] });
  });

  it('ring of three, a broken link at rank 1 (as the iptables e2e makes it): rank 1 is dropped, not the rank it blames', () => {
    const reports = new StallReports(2000);
    reports.add(stalled(2, 1, 0), 0);
    reports.add(stalled(1, 0, 0), 3);
    expect(reports.verdict(2000, 3, noGrads)).toMatchObject({ kind: 'drop', ranks: [1] });
  });

  it("ring of three, a link down both ways at rank 2: the probes single it out, whatever the waits say", () => {
    // Each rank waits on its left neighbour; rank 1 received least, so the waits alone blame rank 0, a healthy worker.
    const waits = [stalled(0, 2, 1), stalled(1, 0, 0), stalled(2, 1, 1)];
    const withoutProbes = new StallReports(2000);
    for (const report of waits) withoutProbes.add(report, 0);
    expect(withoutProbes.verdict(0, 3, noGrads)).toMatchObject({ kind: 'drop', ranks: [0] });
    const reports = new StallReports(2000);
    reports.add({ ...waits[0], unreachable: [2] }, 0);
    reports.add({ ...waits[1], unreachable: [2] }, 1);
    reports.add({ ...waits[2], unreachable: [0, 1] }, 2);
    const verdict = reports.verdict(2, 3, noGrads);
    expect(verdict).toMatchObject({ kind: 'drop', ranks: [2] });
    expect(verdict?.reason).toMatch(
      /^its reduce stalled: rank 2 did not deliver for 3 s \(--reduce-timeout\) and its link is down \(no TCP connection between ranks 0 and 2, between ranks 1 and 2; the other ranks connect to each other\); rank 0 waited for round 1 \(1 received; could not connect to rank 2\)/,
    );
  });

  it('a link down seen from one side only (the rank behind it stopped reporting) still singles it out', () => {
    const reports = new StallReports(2000);
    reports.add({ ...stalled(0, 3, 0), unreachable: [3] }, 0);
    reports.add({ ...stalled(1, 0, 1), unreachable: [3] }, 0);
    reports.add({ ...stalled(2, 1, 2), unreachable: [3] }, 0);
    expect(reports.verdict(0, 4, noGrads)).toMatchObject({ kind: 'drop', ranks: [3] });
  });

  it('probes that single out no rank fall back to the waits: two ranks, or two links down, or none', () => {
    const two = new StallReports(2000);
    two.add({ ...stalled(1, 0, 1), unreachable: [0] }, 0);
    two.add({ ...stalled(0, 1, 0), unreachable: [1] }, 1);
    expect(two.verdict(1, 2, noGrads)).toMatchObject({ kind: 'drop', ranks: [1] }); // as without probes: least received
    expect(two.verdict(1, 2, noGrads)?.reason).not.toMatch(/link is down/);

    const twoLinks = new StallReports(2000);
    twoLinks.add({ ...stalled(0, 3, 0), unreachable: [1] }, 0);
    twoLinks.add({ ...stalled(2, 1, 1), unreachable: [3] }, 0);
    twoLinks.add({ ...stalled(3, 2, 2), unreachable: [2] }, 0);
    expect(twoLinks.verdict(0, 4, noGrads)).toMatchObject({ kind: 'drop', ranks: [3] }); // rank 0 received least and names 3
    expect(twoLinks.verdict(0, 4, noGrads)?.reason).not.toMatch(/link is down/);

    const reachable = new StallReports(2000); // a stopped process: its kernel still accepts, so every probe succeeds
    reachable.add({ ...stalled(0, 3, 2), unreachable: [] }, 0);
    reachable.add({ ...stalled(1, 0, 3), unreachable: [] }, 0);
    reachable.add({ ...stalled(3, 2, 1), unreachable: [] }, 0);
    expect(reachable.verdict(0, 4, noGrads)).toMatchObject({ kind: 'drop', ranks: [2] });
  });

  it('star: drops the ranks whose GRADS the aggregator waits for, or re-forms when it waits for none', () => {
    const reports = new StallReports(500);
    reports.add(stalled(0, null, 0), 0);
    reports.add(stalled(1, null, 0), 0);
    expect(reports.verdict(0, 3, (step, phase) => (step === 3 && phase === 0 ? [2] : []))).toMatchObject({ kind: 'drop', ranks: [2] });
    expect(reports.verdict(0, 3, noGrads)).toMatchObject({ kind: 'reform' });
    reports.clear();
    expect(reports.pending).toBe(false);
    expect(reports.verdict(10_000, 3, noGrads)).toBeUndefined();
  });
});
