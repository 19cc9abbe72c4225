import { stallGatherMs, stallProbeMs } from './stall-timing';

describe('stall timing', () => {
  it('a probe that runs to its timeout still reports within the gathering window, whatever the reduce timeout', () => {
    for (const timeoutMs of [100, 1000, 3000, 6000, 60_000, 600_000]) {
      expect(stallProbeMs(timeoutMs)).toBeLessThanOrEqual(stallGatherMs(timeoutMs) / 2);
    }
    expect([stallProbeMs(3000), stallGatherMs(3000)]).toEqual([750, 1500]);
  });
});
