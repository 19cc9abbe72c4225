import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onlyRunFolder, readMetrics, runGanglion } from './support/run-cli';

/** Pipelines as users write them: DI overrides, validation errors, the CIFAR-10 variants. */
describe('pipeline files', () => {
  let outDir: string;

  beforeAll(() => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-pipelines-'));
  });

  afterAll(() => {
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  it('replaces a component through the pipeline\'s ContainerModule (a CSV metrics sink with RunPaths injected)', () => {
    const result = runGanglion(['train', 'test/fixtures/csv-metrics.pipeline.ts', '--out', outDir, '--log-format', 'json']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const run = onlyRunFolder(outDir, 'csv-metrics');
    const csv = fs.readFileSync(path.join(run, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('step,vae_loss');
    expect(csv.slice(1).map((line) => Number(line.split(',')[0]))).toEqual([0, 1, 2]);
    expect(Number(csv[1].split(',')[1])).toBeGreaterThan(100); // a per-image BCE sum over 784 pixels
    expect(fs.existsSync(path.join(run, 'metrics.jsonl'))).toBe(false);
  });

  it('names every invalid field of a pipeline file, its own and its model\'s', () => {
    const result = runGanglion(['train', 'test/fixtures/invalid.pipeline.ts', '--out', outDir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Pipeline "invalid" is not valid');
    expect(result.stderr).toMatch(/- batchSize: /);
    expect(result.stderr).toMatch(/- model\.options\.latentDim: /);
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  });

  describe('CIFAR-10 variants, on files in the CIFAR-10 binary format', () => {
    let cifarDir: string;

    beforeAll(() => {
      // The real CIFAR-10 is not downloadable here: write the five training
      // batches in its exact binary layout (1 label byte + 3072 pixel bytes).
      cifarDir = path.join(outDir, 'cifar-10-batches-bin');
      fs.mkdirSync(cifarDir);
      for (let batch = 1; batch <= 5; batch++) {
        const records = 12;
        const bytes = Buffer.alloc(records * 3073);
        for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + batch * 13) % 256;
        for (let r = 0; r < records; r++) bytes[r * 3073] = r % 10;
        fs.writeFileSync(path.join(cifarDir, `data_batch_${batch}.bin`), bytes);
      }
    });

    it.each(['cifar10-vae', 'cifar10-rowlstm', 'cifar10-dcgan'])('%s trains on 32x32x3 images', (pipeline) => {
      const result = runGanglion(
        ['train', `pipelines/${pipeline}.ts`, '--steps', '2', '--batch-size', '8', '--sample-every', '2', '--out', outDir, '--log-format', 'json'],
        { env: { CIFAR10_DIR: cifarDir } },
      );
      if (result.status !== 0) throw new Error(`${pipeline} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
      const run = onlyRunFolder(outDir, pipeline);
      expect(readMetrics(run)).toHaveLength(2);
      expect(result.stdout).toContain('60 images of 32x32x3');
      expect(fs.existsSync(path.join(run, 'samples', 'step-000002.png'))).toBe(true);
    });

    it('says where the CIFAR-10 files should be when they are missing', () => {
      const result = runGanglion(['train', 'pipelines/cifar10-vae.ts', '--steps', '1', '--out', outDir], {
        env: { CIFAR10_DIR: path.join(outDir, 'nowhere') },
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(path.join(outDir, 'nowhere'));
    });
  });
});
