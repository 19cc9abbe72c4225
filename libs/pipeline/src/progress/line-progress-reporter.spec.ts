import type { StepMetrics } from '../metrics-sink';
import { LineProgressReporter } from './line-progress-reporter';
import { formatLosses } from './progress-reporter';

function metrics(step: number, d: number, g: number, stepMs: number): StepMetrics {
  return { step, losses: { d, g }, stepMs, samplesPerSecond: 64_000 / stepMs, time: '2026-01-01T00:00:00.000Z' };
}

describe('LineProgressReporter', () => {
  it('writes a line every logEvery steps and after the last, averaged over the steps since', () => {
    const lines: { fields: Record<string, unknown>; text: string }[] = [];
    const reporter = new LineProgressReporter({ logEvery: 2, write: (fields, text) => lines.push({ fields, text }) });
    reporter.start(5, 0);
    reporter.update(metrics(0, 1, 2, 10));
    expect(lines).toHaveLength(0);
    reporter.update(metrics(1, 0.5, 1, 30));
    reporter.update(metrics(2, 0.25, 0.5, 20));
    reporter.update(metrics(3, 0.75, 0.5, 20));
    reporter.update(metrics(4, 0.1, 0.2, 40));
    reporter.stop();
    expect(lines.map((l) => l.text)).toEqual([
      'step 2/5 loss d=0.7500 g=1.5000 20 ms/step, 4266.7 samples/s',
      'step 4/5 loss d=0.5000 g=0.5000 20 ms/step, 3200.0 samples/s',
      'step 5/5 loss d=0.4250 g=0.3500 30 ms/step, 2400.0 samples/s',
    ]);
    expect(lines[0].fields).toMatchObject({ step: 2, steps: 5, losses: { d: 0.75, g: 1.5 }, stepMs: 20 });
  });

  it('counts from a resumed start step', () => {
    const texts: string[] = [];
    const reporter = new LineProgressReporter({ logEvery: 3, write: (_fields, text) => texts.push(text) });
    reporter.start(6, 4);
    reporter.update(metrics(4, 1, 1, 10));
    reporter.update(metrics(5, 1, 1, 10));
    expect(texts).toEqual(['step 6/6 loss d=1.0000 g=1.0000 10 ms/step, 6400.0 samples/s']);
  });

  it('takes the median step time and ends the line with the detail it is given', () => {
    const lines: { fields: Record<string, unknown>; text: string }[] = [];
    const detail = (recent: readonly StepMetrics[]) => ({ fields: { worldSize: recent.length }, text: ` [world size ${recent.length}]` });
    const reporter = new LineProgressReporter({ logEvery: 3, write: (fields, text) => lines.push({ fields, text }), detail });
    reporter.start(3, 0);
    for (const [step, ms] of [10, 11, 40].entries()) reporter.update(metrics(step, 1, 1, ms));
    expect(lines).toEqual([{ fields: expect.objectContaining({ stepMs: 11, worldSize: 3 }), text: 'step 3/3 loss d=1.0000 g=1.0000 11 ms/step [world size 3]' }]);
  });

  it('shares its loss format with the end-of-run summaries', () => {
    expect(formatLosses({ d: 0.5, g: 1 / 3 })).toBe('d=0.5000 g=0.3333');
    expect(formatLosses({ d: 0.5, g: 1 / 3 }, { assign: ' ', separator: ', ' })).toBe('d 0.5000, g 0.3333');
  });

  it('refuses a logEvery that is not a positive integer', () => {
    expect(() => new LineProgressReporter({ logEvery: 0, write: () => undefined })).toThrow(/logEvery must be a positive integer/);
  });
});
