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
