import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import pino from 'pino';
import { UNIT_RANGE } from '@ganglion/data';
import { GradientPhase, type GenerativeModel, type TrainingBatch, type TrainingPhase } from '@ganglion/models';
import type { Logger } from '../logger';
import { CorruptCheckpointError } from './checkpoint-errors';
import { restoreCheckpoint, verifyCheckpoint } from './checkpoint-reader';
import { checkpointFolders, FileCheckpointStore, findResumeCheckpoint, latestValidCheckpoint } from './checkpoint-store';
import { writeCheckpointFiles } from './checkpoint-writer';
import { layersModelFolderLoader } from './layers-model-files';

/**
 * A small real model: one dense network (with a BatchNormalization layer,
 * so non-trainable weights are in the checkpoint too), trained by Adam to
 * map fixed inputs to fixed targets.
 */
class TinyModel implements GenerativeModel {
  readonly name = 'tiny';
  readonly pixelRange = UNIT_RANGE;
  readonly imageShape = [2, 2, 1] as const;
  readonly networks: Record<string, tf.LayersModel>;
  readonly phases: TrainingPhase[];
  private readonly net: tf.LayersModel;

  constructor(seed: number) {
    const input = tf.input({ shape: [4] });
    const hidden = tf.layers.dense({ units: 8, name: 'hidden', kernelInitializer: tf.initializers.glorotUniform({ seed }) }).apply(input);
    const normed = tf.layers.batchNormalization({ name: 'norm' }).apply(hidden);
    const out = tf.layers.dense({ units: 4, name: 'out', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }).apply(normed);
    this.net = tf.model({ inputs: input, outputs: out as tf.SymbolicTensor, name: 'net' });
    this.networks = { net: this.net };
    const variables = this.net.trainableWeights.map((w) => ({ name: w.originalName, variable: w.read() as tf.Variable }));
    this.phases = [
      new GradientPhase('fit', variables, tf.train.adam(0.05), (batch: TrainingBatch) =>
        tf.tidy(() => {
          const x = tf.tensor2d(batch.images, [batch.count, 4]);
          const prediction = this.net.apply(x, { training: true }) as tf.Tensor;
          return tf.mean(tf.square(tf.sub(prediction, tf.reverse(x, 1)))) as tf.Scalar;
        }),
      ),
    ];
  }

  parameterCount(): number {
    return this.net.countParams();
  }

  sample(count: number): tf.Tensor4D {
    return tf.zeros([count, 2, 2, 1]);
  }

  getConfig(): Record<string, unknown> {
    return {};
  }

  dispose(): void {
    this.net.dispose();
    this.phases[0].optimizer.dispose();
  }
}

function batch(step: number): TrainingBatch {
  const images = Float32Array.from({ length: 16 }, (_, i) => Math.sin(step * 7 + i));
  return { images, count: 4, sampleIndices: Int32Array.from([0, 1, 2, 3]), step };
}

async function train(model: TinyModel, from: number, to: number): Promise<void> {
  for (let step = from; step < to; step++) {
    const phase = model.phases[0];
    const { gradients } = await phase.computeGradients(batch(step));
    phase.applyGradients(gradients);
    for (const gradient of gradients) gradient.dispose();
  }
}

function weightsOf(network: tf.LayersModel): Float32Array[] {
  return network.getWeights().map((w) => w.dataSync() as Float32Array);
}

function capturingLogger(lines: string[]): Logger {
  return pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
}

describe('checkpoints', () => {
  let dir: string;
  let lines: string[];
  let logger: Logger;

  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-ckpt-'));
    lines = [];
    logger = capturingLogger(lines);
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function store(keep = 3): FileCheckpointStore {
    return new FileCheckpointStore({
      folder: path.join(dir, 'checkpoints'),
      keep,
      pipeline: { name: 'tiny-run', file: '/pipelines/tiny.ts', hash: 'abc' },
      seed: 7,
      globalBatchSize: 4,
      logger,
    });
  }

  const request = (step: number) => ({ step, epoch: 0, batchInEpoch: step, worldSize: 1, generation: 0 });

  it('writes a checkpoint whose network tf.loadLayersModel loads with identical weights', async () => {
    const model = new TinyModel(1);
    await train(model, 0, 3);
    const folder = await store().save(model, request(3));
    expect(path.basename(folder)).toBe('step-000003');
    const checked = verifyCheckpoint(folder);
    expect(checked.state).toMatchObject({ step: 3, seed: 7, model: 'tiny', networks: ['net'], pipeline: { hash: 'abc' } });
    expect(Object.keys(checked.manifest.files).sort()).toEqual(
      ['networks/net/group1-shard1of1.bin', 'networks/net/model.json', 'optimizer.bin', 'optimizer.json', 'trainer-state.json'],
    );

    const loaded = await tf.loadLayersModel(layersModelFolderLoader(path.join(folder, 'networks', 'net')));
    const expected = weightsOf(model.networks.net);
    const actual = weightsOf(loaded);
    expect(actual).toHaveLength(expected.length);
    expected.forEach((values, i) => expect(Array.from(actual[i])).toEqual(Array.from(values)));
    // Non-trainable state (BatchNormalization moving statistics) is in it too.
    expect(loaded.weights.some((w) => !w.trainable)).toBe(true);
    loaded.dispose();
    model.dispose();
  });

  it('resumes exactly: restored weights and Adam state continue bit for bit like an uninterrupted run', async () => {
    const straight = new TinyModel(1);
    await train(straight, 0, 8);

    const first = new TinyModel(1);
    await train(first, 0, 4);
    const folder = await store().save(first, request(4));
    first.dispose();

    const resumed = new TinyModel(99); // different initial weights: everything must come from the checkpoint
    await restoreCheckpoint(resumed, verifyCheckpoint(folder));
    await train(resumed, 4, 8);
    const expected = weightsOf(straight.networks.net);
    weightsOf(resumed.networks.net).forEach((values, i) => expect(Array.from(values)).toEqual(Array.from(expected[i])));
    straight.dispose();
    resumed.dispose();
  });

  it('keeps only the newest K checkpoints, and saving holds on to no tensors', async () => {
    const model = new TinyModel(1);
    const checkpoints = store(2);
    for (const step of [1, 2, 3, 4]) {
      await train(model, step - 1, step);
      const before = tf.memory().numTensors;
      await checkpoints.save(model, request(step));
      expect(tf.memory().numTensors).toBe(before);
    }
    expect(checkpointFolders(path.join(dir, 'checkpoints'))).toEqual(['step-000003', 'step-000004']);
    model.dispose();
  });

  it('skips a checkpoint with a flipped byte, says which and why, and falls back to the previous one', async () => {
    const model = new TinyModel(1);
    const checkpoints = store();
    await train(model, 0, 1);
    await checkpoints.save(model, request(1));
    await train(model, 1, 2);
    const newest = await checkpoints.save(model, request(2));
    const bin = path.join(newest, 'networks', 'net', 'group1-shard1of1.bin');
    const bytes = fs.readFileSync(bin);
    bytes[10] ^= 0x01;
    fs.writeFileSync(bin, bytes);

    expect(() => verifyCheckpoint(newest)).toThrow(CorruptCheckpointError);
    expect(() => verifyCheckpoint(newest)).toThrow('networks/net/group1-shard1of1.bin does not match its sha256');
    const found = latestValidCheckpoint(path.join(dir, 'checkpoints'), logger);
    expect(found?.state.step).toBe(1);
    const warning = lines.map((line) => JSON.parse(line)).find((line) => line.level === 40);
    expect(warning.msg).toContain(`Checkpoint ${newest} is corrupt or incomplete`);
    expect(warning.msg).toContain('trying the previous checkpoint');
    model.dispose();
  });

  it('skips a partial checkpoint (a file missing) and ignores an unfinished temporary folder', async () => {
    const model = new TinyModel(1);
    const checkpoints = store();
    await train(model, 0, 1);
    await checkpoints.save(model, request(1));
    const newest = await checkpoints.save(model, request(2));
    fs.rmSync(path.join(newest, 'optimizer.bin'));
    fs.mkdirSync(path.join(dir, 'checkpoints', '.step-000003.123.abcd.tmp'));

    const { checkpoint, runFolder } = findResumeCheckpoint(dir, dir, 'tiny-run', logger);
    expect(checkpoint.state.step).toBe(1);
    expect(runFolder).toBe(dir);
    expect(lines.join('\n')).toContain('optimizer.bin is missing');
    expect(() => findResumeCheckpoint(newest, dir, 'tiny-run', logger)).toThrow(/step-000002 is corrupt or incomplete: optimizer\.bin is missing/);
    model.dispose();
  });

  it('refuses to write a checkpoint file outside its folder', () => {
    expect(() => writeCheckpointFiles(path.join(dir, 'checkpoints'), 1, new Map([['../escape.json', Buffer.from('{}')]]))).toThrow(
      "Checkpoint file name '../escape.json' is not a plain relative path",
    );
    expect(fs.existsSync(path.join(dir, 'escape.json'))).toBe(false);
  });

  it('refuses --resume with no valid checkpoint, saying what to pass', () => {
    expect(() => findResumeCheckpoint(undefined, dir, 'tiny-run', logger)).toThrow(/no run of 'tiny-run' under .* has a valid checkpoint/);
    expect(() => findResumeCheckpoint(path.join(dir, 'nope'), dir, 'tiny-run', logger)).toThrow(/does not exist\. Pass a run folder/);
  });
});
