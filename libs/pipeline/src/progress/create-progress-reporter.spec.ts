import { Writable } from 'node:stream';
import { BarProgressReporter } from './bar-progress-reporter';
import { createProgressReporter, parseProgressMode, resolveProgressMode } from './create-progress-reporter';
import { LineProgressReporter } from './line-progress-reporter';

describe('progress reporter choice', () => {
  it('auto is a bar on a TTY and lines elsewhere; bar and lines are kept', () => {
    expect(resolveProgressMode('auto', true)).toBe('bar');
    expect(resolveProgressMode('auto', false)).toBe('lines');
    expect(resolveProgressMode('auto', undefined)).toBe('lines');
    expect(resolveProgressMode('bar', false)).toBe('bar');
    expect(resolveProgressMode('lines', true)).toBe('lines');
  });

  it('creates the reporter for the resolved mode', () => {
    const stream = new Writable({ write: (_c, _e, cb) => cb() });
    const write = (): void => undefined;
    expect(createProgressReporter({ isTTY: true, logEvery: 5, write, stream })).toBeInstanceOf(BarProgressReporter);
    expect(createProgressReporter({ isTTY: false, logEvery: 5, write })).toBeInstanceOf(LineProgressReporter);
    expect(createProgressReporter({ mode: 'lines', isTTY: true, logEvery: 5, write })).toBeInstanceOf(LineProgressReporter);
  });

  it('parses --progress values and names the choices on a bad one', () => {
    expect(parseProgressMode('bar')).toBe('bar');
    expect(() => parseProgressMode('fancy')).toThrow("--progress must be auto, bar or lines, got 'fancy'.");
  });
});
