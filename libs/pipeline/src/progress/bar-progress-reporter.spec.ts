import { Writable } from 'node:stream';
import type { StepMetrics } from '../metrics-sink';
import { BarProgressReporter } from './bar-progress-reporter';

/** A writable that says it is a terminal and keeps what was written. */
function fakeTerminal(isTTY: boolean): Writable & { isTTY: boolean; columns: number; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  return Object.assign(stream, { isTTY, columns: 160, text: () => chunks.join('') });
}

function metrics(step: number, losses: Record<string, number>): StepMetrics {
  return { step, losses, stepMs: 50, samplesPerSecond: 1280, time: '2026-01-01T00:00:00.000Z' };
}

describe('BarProgressReporter', () => {
  it('draws step/steps, samples/s and the latest loss of each phase on a terminal', () => {
    const terminal = fakeTerminal(true);
    const reporter = new BarProgressReporter({ stream: terminal, logStreams: [] });
    reporter.start(10, 0);
    reporter.update(metrics(0, { d: 1.25, g: 0.5 }));
    reporter.update(metrics(2, { d: 0.6931, g: 0.7012 }));
    reporter.stop();
    const text = terminal.text();
    expect(text).toContain('step 3/10');
    expect(text).toContain('1280.0 samples/s');
    expect(text).toContain('d=0.6931 g=0.7012');
    expect(text).toMatch(/ETA /);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('draws nothing when the stream is not a terminal', () => {
    const stream = fakeTerminal(false);
    const reporter = new BarProgressReporter({ stream, logStreams: [] });
    reporter.start(4, 0);
    reporter.update(metrics(0, { vae: 3 }));
    reporter.stop();
    expect(stream.text()).not.toContain('step 1/4');
  });

  it('keeps log lines off the bar: clears its line, writes the log line, draws the bar again below', () => {
    const terminal = fakeTerminal(true);
    const log = new Writable({
      write(chunk, _encoding, callback) {
        terminal.write(`LOG:${String(chunk)}`);
        callback();
      },
    });
    const reporter = new BarProgressReporter({ stream: terminal, logStreams: [log] });
    reporter.start(4, 0);
    reporter.update(metrics(0, { vae: 2.5 }));
    log.write('[worker 1] step 1/4\n');
    const during = terminal.text();
    reporter.stop();
    log.write('after\n');
    const logAt = during.indexOf('LOG:[worker 1] step 1/4\n');
    expect(logAt).toBeGreaterThan(0);
    expect(during.slice(0, logAt).endsWith('\r\x1b[2K')).toBe(true);
    expect(during.slice(logAt)).toContain('step 1/4 [');
    expect(during.slice(logAt)).toContain('vae=2.5000');
    // After stop() the stream writes straight through again.
    expect(terminal.text().endsWith('LOG:after\n')).toBe(true);
    expect(terminal.text().slice(during.length)).not.toContain('\r\x1b[2KLOG:after');
  });
});
