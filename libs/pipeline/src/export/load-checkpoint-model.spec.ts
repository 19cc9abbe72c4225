import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import pino from 'pino';
import { ConvVae } from '@ganglion/models';
import { FileCheckpointStore } from '../checkpoints/checkpoint-store';
import type { Logger } from '../logger';
import { pipelineFileHash } from '../pipeline-file';
import { loadCheckpointModel } from './load-checkpoint-model';

const PIPELINE = path.join(__dirname, 'testing', 'override-model.pipeline.ts');

describe('loadCheckpointModel', () => {
  let dir: string;
  let lines: string[];
  let logger: Logger;
  let trained: ConvVae;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-load-ckpt-'));
    // "Trained" weights: the overrides' model with every weight moved off its initial value.
    trained = new ConvVae({ latentDim: 3, seed: 5 });
    for (const network of Object.values(trained.networks)) {
      network.setWeights(network.getWeights().map((w, i) => tf.tidy(() => w.add(tf.randomNormal(w.shape, 0, 0.05, 'float32', i)))));
    }
  });

  beforeEach(() => {
    lines = [];
    logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
  });

  afterAll(() => {
    trained.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function save(run: string, pipeline: { name: string; file: string; hash: string }): Promise<void> {
    const store = new FileCheckpointStore({ folder: path.join(run, 'checkpoints'), keep: 3, pipeline, seed: 1, globalBatchSize: 4, logger: pino({ level: 'silent' }) });
    await store.save(trained, { step: 7, epoch: 0, batchInEpoch: 7, worldSize: 1, generation: 0 });
  }

  it("rebuilds the model through the pipeline's DI overrides and loads the checkpoint's weights", async () => {
    const run = path.join(dir, 'run');
    await save(run, { name: 'override-model', file: PIPELINE, hash: pipelineFileHash(PIPELINE) });
    const { model, checkpoint, pipeline } = await loadCheckpointModel({ target: run, backend: 'cpu', logger });
    try {
      expect(checkpoint.state.step).toBe(7);
      expect(pipeline.file).toBe(PIPELINE);
      expect(model.getConfig()).toMatchObject({ latentDim: 3 });
      const [expected, actual] = [trained.sample(4, 9), model.sample(4, 9)];
      expect(tf.max(tf.abs(tf.sub(expected, actual))).dataSync()[0]).toBe(0);
      tf.dispose([expected, actual]);
      expect(lines).toEqual([]);
    } finally {
      model.dispose();
    }
  });

  it('warns when the pipeline file changed since the checkpoint, and refuses a pipeline of another name', async () => {
    const run = path.join(dir, 'changed');
    await save(run, { name: 'override-model', file: PIPELINE, hash: 'f'.repeat(64) });
    const { model } = await loadCheckpointModel({ target: run, backend: 'cpu', logger });
    model.dispose();
    expect(lines.join('')).toContain('changed since checkpoint');

    const other = path.join(dir, 'other');
    await save(other, { name: 'someone-else', file: PIPELINE, hash: pipelineFileHash(PIPELINE) });
    await expect(loadCheckpointModel({ target: other, backend: 'cpu', logger })).rejects.toThrow(
      /belongs to pipeline 'someone-else', but .*override-model\.pipeline\.ts defines 'override-model'\. Pass the pipeline that wrote it\./,
    );
  });
});
