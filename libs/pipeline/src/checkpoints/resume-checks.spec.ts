import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import type { Logger } from '../logger';
import type { PipelineSettings } from '../pipeline-definition';
import type { VerifiedCheckpoint } from './checkpoint-reader';
import { checkResumable, dropMetricsFrom, NothingToResumeError } from './resume-checks';

function capturingLogger(lines: string[]): Logger {
  return pino({ level: 'debug' }, { write: (line: string) => lines.push(line) }) as Logger;
}

describe('resume checks', () => {
  let dir: string;
  let lines: string[];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-resume-'));
    lines = [];
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const line = (step: number): string => JSON.stringify({ step, losses: { fit: 0.5 }, stepMs: 10, samplesPerSecond: 100, time: 't' }) + '\n';

  it('cuts a torn last line of metrics.jsonl with a warning naming the file, then drops the steps to redo', () => {
    const file = path.join(dir, 'metrics.jsonl');
    fs.writeFileSync(file, line(0) + line(1) + line(2) + '{"step":3,"losses":{"fit":0.4');
    dropMetricsFrom(file, 2, capturingLogger(lines));
    expect(fs.readFileSync(file, 'utf8')).toBe(line(0) + line(1));
    expect(lines.join('')).toContain(`${file} ended with a partial line`);
  });

  it('a bad line in the middle is an error naming the file and the line', () => {
    const file = path.join(dir, 'metrics.jsonl');
    fs.writeFileSync(file, line(0) + 'garbage\n' + line(2));
    expect(() => dropMetricsFrom(file, 2, capturingLogger(lines))).toThrow(`${file} line 2 is not valid JSON`);
    expect(fs.readFileSync(file, 'utf8')).toBe(line(0) + 'garbage\n' + line(2));
  });

  it('refuses --steps at or below the checkpoint step, saying what to pass', () => {
    const checkpoint = {
      folder: '/runs/vae/t/checkpoints/step-000220',
      state: { step: 220, seed: 1, globalBatchSize: 8, pipeline: { name: 'vae', file: 'p.ts', hash: 'h' } },
    } as unknown as VerifiedCheckpoint;
    const settings = { name: 'vae', seed: 1, batchSize: 8, steps: 150 } as PipelineSettings;
    expect(() => checkResumable(checkpoint, 'h', settings, capturingLogger(lines))).toThrow(NothingToResumeError);
    expect(() => checkResumable(checkpoint, 'h', settings, capturingLogger(lines))).toThrow(/already at step 220.*nothing was changed\. Pass --steps above 220/);
    expect(() => checkResumable(checkpoint, 'h', { ...settings, steps: 221 }, capturingLogger(lines))).not.toThrow();
  });
});
