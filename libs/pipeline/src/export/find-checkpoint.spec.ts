import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import pino from 'pino';
import { ConvVae } from '@ganglion/models';
import { CorruptCheckpointError, NoCheckpointError } from '../checkpoints/checkpoint-errors';
import { FileCheckpointStore } from '../checkpoints/checkpoint-store';
import type { Logger } from '../logger';
import { findCheckpoint } from './find-checkpoint';

describe('findCheckpoint', () => {
  let dir: string;
  let run: string;
  let lines: string[];
  let logger: Logger;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-find-ckpt-'));
    run = path.join(dir, 'fashion-vae', '2026-01-01T00-00-00');
    const model = new ConvVae({ latentDim: 2 });
    const store = new FileCheckpointStore({
      folder: path.join(run, 'checkpoints'),
      keep: 5,
      pipeline: { name: 'fashion-vae', file: '/pipelines/fashion-vae.ts', hash: 'abc' },
      seed: 1,
      globalBatchSize: 4,
      logger: pino({ level: 'silent' }),
    });
    for (const step of [2, 4, 6]) await store.save(model, { step, epoch: 0, batchInEpoch: step, worldSize: 1, generation: 0 });
    model.dispose();
  });

  beforeEach(() => {
    lines = [];
    logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const step = (n: number) => path.join(run, 'checkpoints', `step-00000${n}`);

  it('takes a checkpoint folder as it is, and the newest one from a run folder or its checkpoints folder', () => {
    expect(findCheckpoint(step(4), logger).state.step).toBe(4);
    expect(findCheckpoint(run, logger).folder).toBe(step(6));
    expect(findCheckpoint(path.join(run, 'checkpoints'), logger).folder).toBe(step(6));
    expect(lines).toEqual([]);
  });

  it('skips a corrupt newest checkpoint with a warning, but refuses one named directly', () => {
    const copy = path.join(dir, 'corrupt-run');
    fs.cpSync(run, copy, { recursive: true });
    const weights = path.join(copy, 'checkpoints', 'step-000006', 'networks', 'decoder', 'group1-shard1of1.bin');
    const bytes = fs.readFileSync(weights);
    bytes[0] ^= 0xff;
    fs.writeFileSync(weights, bytes);

    expect(findCheckpoint(copy, logger).state.step).toBe(4);
    expect(lines.join('')).toContain('networks/decoder/group1-shard1of1.bin does not match its sha256');
    expect(() => findCheckpoint(path.join(copy, 'checkpoints', 'step-000006'), logger)).toThrow(CorruptCheckpointError);
  });

  it('says what to pass for a missing path, a file, or a folder that holds no checkpoint', () => {
    expect(() => findCheckpoint(path.join(dir, 'nowhere'), logger)).toThrow(NoCheckpointError);
    expect(() => findCheckpoint(path.join(dir, 'nowhere'), logger)).toThrow(/nowhere does not exist\. Pass a checkpoint folder/);
    const file = path.join(dir, 'file.txt');
    fs.writeFileSync(file, 'x');
    expect(() => findCheckpoint(file, logger)).toThrow(/file\.txt is a file, not a checkpoint folder/);
    const empty = fs.mkdtempSync(path.join(dir, 'empty-'));
    expect(() => findCheckpoint(empty, logger)).toThrow(/is not a checkpoint: it holds no manifest\.json and no checkpoints\/step-\* folders/);
  });

  it('refuses a run whose every checkpoint is corrupt', () => {
    const broken = path.join(dir, 'all-broken');
    fs.mkdirSync(path.join(broken, 'checkpoints', 'step-000001'), { recursive: true });
    fs.writeFileSync(path.join(broken, 'checkpoints', 'step-000001', 'manifest.json'), '{ not json');
    expect(() => findCheckpoint(broken, logger)).toThrow(/none of the checkpoints under .* verifies/);
    expect(lines.join('')).toContain('manifest.json is not valid JSON');
  });
});
