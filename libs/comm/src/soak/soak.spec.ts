import { runSoak } from './run-soak';
import { buildSoakPlan } from './soak-plan';
import { rankShares, SoakPatterns, soakTolerance } from './soak-vectors';

/**
 * The soak's short form (issue 10): real processes, one per rank, with real
 * ZeroMQ sockets; worlds of 2, 4 and 8; ring and star, f32 and fp16, CURVE
 * on and off; sends randomly delayed; every result checked against the
 * float64 reference and compared across ranks. Each world ends with a
 * 40 MiB ring call after which every rank closes at once (the stall of
 * issue 10). The full form is `npm run soak` (10,000 calls).
 */

jest.setTimeout(8 * 60_000);

describe('soak (short form)', () => {
  it('runs every combination with no stall and no wrong result', async () => {
    const calls = 90;
    const report = await runSoak({ calls, worldSizes: [2, 4, 8], sizes: 'short', seed: 7, reduceTimeoutMs: 60_000, worldDeadlineMs: 4 * 60_000 });
    expect(report.failures).toEqual([]);
    expect(report.wrong).toEqual([]);
    expect(report.count).toBe(calls);
    expect(report.bySize.map((row) => row.size)).toEqual(['4 KiB', '64 KiB', '1 MiB', '4 MiB', '40 MiB']);
  });

  it('mixes every combination in the plan, and ends each world with a large ring call', () => {
    const plan = buildSoakPlan({ calls: 90, seed: 7, closingCalls: [29, 59, 89] });
    for (const strategy of ['ring', 'star']) for (const curve of [true, false]) for (const fp16 of [true, false]) {
      expect(plan.some((call) => call.strategy === strategy && call.curve === curve && call.fp16 === fp16)).toBe(true);
    }
    expect(plan[29]).toMatchObject({ strategy: 'ring', curve: false, fp16: false, size: '40 MiB' });
  });

  it("catches a wrong result: a chunk out of place, or another rank's vector", () => {
    const call = { index: 0, strategy: 'ring' as const, curve: false, fp16: false, size: '4 KiB', floats: 1000, seed: 3 };
    const shares = rankShares(call, 4).map((share, rank) => ({ ...share, weight: rank + 1 }));
    const patterns = new SoakPatterns();
    const vectors = shares.map((share) => patterns.vector(call, share));
    const mean = new Float32Array(call.floats);
    for (let i = 0; i < mean.length; i++) mean[i] = (vectors[0][i] + 2 * vectors[1][i] + 3 * vectors[2][i] + 4 * vectors[3][i]) / 10;
    expect(patterns.check(call, shares, mean).maxError).toBeLessThanOrEqual(soakTolerance(call, shares));
    const swapped = mean.slice();
    swapped.set(mean.subarray(0, 250), 250);
    expect(patterns.check(call, shares, swapped).maxError).toBeGreaterThan(soakTolerance(call, shares));
    const stale = patterns.vector(call, shares[0]);
    expect(patterns.check(call, shares, stale).maxError).toBeGreaterThan(soakTolerance(call, shares));
  });
});
