import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { onlyRunFolder, readMetrics, runGanglion } from './support/run-cli';

/**
 * Real training through the real command: `ganglion train` in a child
 * process, WASM backend, on the bundled Fashion-MNIST images.
 */
describe('ganglion train on the bundled Fashion-MNIST subset', () => {
  let outDir: string;

  beforeAll(() => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-train-'));
  });

  afterAll(() => {
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  function train(pipeline: string, steps: number, extra: string[] = []) {
    const result = runGanglion([
      'train', `pipelines/${pipeline}.ts`, '--steps', String(steps), '--batch-size', '32',
      '--sample-every', String(steps), '--log-every', '10', '--out', outDir, '--log-format', 'json', ...extra,
    ]);
    if (result.status !== 0) throw new Error(`ganglion train ${pipeline} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
    return { ...result, run: onlyRunFolder(outDir, pipeline) };
  }

  function meanLoss(metrics: ReturnType<typeof readMetrics>, phase: string, from: number, to: number): number {
    const window = metrics.slice(from, to).map((m) => m.losses[phase]);
    return window.reduce((a, b) => a + b, 0) / window.length;
  }

  it('trains the ConvVAE: the loss goes down over 50 steps, and a sample grid is written', () => {
    const { run, stdout } = train('fashion-vae', 50);
    const metrics = readMetrics(run);
    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(meanLoss(metrics, 'vae', 40, 50)).toBeLessThan(0.8 * meanLoss(metrics, 'vae', 0, 5));
    const grid = PNG.sync.read(fs.readFileSync(path.join(run, 'samples', 'step-000050.png')));
    expect(grid.width).toBeGreaterThan(28 * 4);
    expect(stdout).toContain('"backend":"wasm"');
  });

  it('trains the RowLSTM: the loss goes down over 50 steps', () => {
    const { run } = train('fashion-rowlstm', 50);
    const metrics = readMetrics(run);
    expect(metrics).toHaveLength(50);
    expect(meanLoss(metrics, 'rnn', 40, 50)).toBeLessThan(0.9 * meanLoss(metrics, 'rnn', 0, 5));
    expect(fs.existsSync(path.join(run, 'samples', 'step-000050.png'))).toBe(true);
  });

  it('trains the DCGAN for a few steps: both phases report finite losses', () => {
    const { run } = train('fashion-dcgan', 4);
    const metrics = readMetrics(run);
    expect(metrics).toHaveLength(4);
    for (const m of metrics) {
      expect(Object.keys(m.losses)).toEqual(['discriminator', 'generator']);
      expect(Number.isFinite(m.losses.discriminator) && Number.isFinite(m.losses.generator)).toBe(true);
    }
    expect(fs.existsSync(path.join(run, 'samples', 'step-000004.png'))).toBe(true);
    expect(fs.readFileSync(path.join(run, 'log.jsonl'), 'utf8')).toContain('"msg":"backend wasm');
  });

  it('refuses a bad flag with a message that names it', () => {
    const result = runGanglion(['train', 'pipelines/fashion-vae.ts', '--steps', '-3']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("option '--steps <n>' argument '-3' is invalid");
  });

  it('refuses a missing pipeline file with a message that says what to pass', () => {
    const result = runGanglion(['train', 'pipelines/no-such.ts']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/no-such\.ts does not exist\. Pass the path of a \.ts file/);
  });
});
