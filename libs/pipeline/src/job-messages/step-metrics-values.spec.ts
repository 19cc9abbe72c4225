import { stepMetricsFromValues, stepMetricsToValues } from './step-metrics-values';

describe('step metrics as STEP_DONE values', () => {
  it('round-trips losses in phase order, times, the reduce time and the time the step ended', () => {
    const metrics = {
      step: 4,
      losses: { discriminator: 1.25, generator: NaN },
      stepMs: 812.5,
      samplesPerSecond: 78.8,
      reduceMs: 12.25,
      time: '2026-01-01T00:00:00.000Z',
    };
    const values = stepMetricsToValues(metrics);
    expect(values).toEqual({ 'loss/discriminator': 1.25, 'loss/generator': NaN, stepMs: 812.5, samplesPerSecond: 78.8, reduceMs: 12.25, endedAtMs: Date.UTC(2026, 0, 1) });
    const back = stepMetricsFromValues(4, values, new Date(0));
    expect(back).toEqual(metrics);
    expect(Object.keys(back.losses)).toEqual(['discriminator', 'generator']);
  });

  it('leaves reduceMs out when a single process sent none, and stamps a line without endedAtMs with the time given', () => {
    const values = stepMetricsToValues({ step: 0, losses: { vae: 3 }, stepMs: 10, samplesPerSecond: 100, time: '' });
    expect('reduceMs' in values).toBe(false);
    expect('endedAtMs' in values).toBe(false);
    const back = stepMetricsFromValues(0, values, new Date(0));
    expect('reduceMs' in back).toBe(false);
    expect(back.time).toBe('1970-01-01T00:00:00.000Z');
  });
});
