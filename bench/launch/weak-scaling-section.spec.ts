import { type WeakScalingMeasurements, weakScalingRow, weakScalingTable } from './weak-scaling-section';

/** Two rounds: Ganglion 100 → 180 and 100 → 160 samples/s, DDP 200 → 300 and 100 → 200. */
function twoRounds(): WeakScalingMeasurements {
  return {
    g1: [100, 100],
    g2: [180, 160],
    d1: [200, 100],
    d2: [300, 200],
    mg1: [110, 100],
    mg2: [198, 150],
    md1: [200, 100],
    md2: [320, 180],
    cpu: [0.8],
    share: [0.012],
    foreign: [0, 0.01, 0, 0.02],
    own1: [1.0, 1.01],
    own2: [1.7, 1.8],
  };
}

describe('weakScalingRow', () => {
  it('gives each round its efficiency sps(2) / (2 sps(1)), in order, and their min / median / max', () => {
    const row = weakScalingRow('conv-vae', { warmup: 100, timed: 100 }, twoRounds());
    expect(row?.rounds.ganglion).toEqual([0.9, 0.8]);
    expect(row?.rounds.ddp).toEqual([0.75, 1.0]);
    expect(row?.ganglionEfficiency).toMatchObject({ min: 0.8, max: 0.9, count: 2 });
    expect(row?.ganglionEfficiency.median).toBeCloseTo(0.85, 12);
    expect(row?.ddpMedianStepEfficiency).toMatchObject({ min: 0.8, max: 0.9 });
    expect(row?.ganglionMedianStepEfficiency).toMatchObject({ min: 0.75, max: 0.9 });
    expect(row?.ddpOwnCores.one).toMatchObject({ min: 1.0, max: 1.01 });
    expect(row?.steps).toEqual({ warmup: 100, timed: 100 });
    expect(row?.label).toBe('ConvVAE');
  });

  it('has no row for a model without a finished round', () => {
    const none = Object.fromEntries(Object.keys(twoRounds()).map((key) => [key, []])) as unknown as WeakScalingMeasurements;
    expect(weakScalingRow('dcgan', { warmup: 20, timed: 30 }, none)).toBeUndefined();
  });

  it('refuses series of different lengths rather than pair one round with another', () => {
    const uneven = { ...twoRounds(), g2: [180] };
    expect(() => weakScalingRow('row-lstm', { warmup: 100, timed: 100 }, uneven)).toThrow(/row-lstm's per-round series differ in length \(2, 1, /);
  });
});

describe('weakScalingTable', () => {
  it('prints the steps and the cores DDP used with each row', () => {
    const row = weakScalingRow('conv-vae', { warmup: 100, timed: 100 }, twoRounds());
    const table = weakScalingTable(row === undefined ? [] : [row]);
    expect(table).toMatch(/steps \(warm-up \+ timed\)/);
    expect(table).toMatch(/ConvVAE\s+2\s+100 \+ 100\s+0\.80 \/ 0\.85 \/ 0\.90/);
    expect(table).toMatch(/1\.00 \/ 1\.75\s*$/m);
  });
});
