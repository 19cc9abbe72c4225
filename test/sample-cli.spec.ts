import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { GanglionProcess } from './support/ganglion-process';
import { onlyRunFolder } from './support/run-cli';

const PIPELINES = ['fashion-vae', 'fashion-dcgan', 'fashion-rowlstm'] as const;

/**
 * `ganglion sample <checkpoint>` through the real command, from tiny
 * checkpoints of all three models written by `ganglion train` (2 steps,
 * batch 8): a PNG grid of the right size whose pixels are not constant,
 * the same for the same seed; and clear refusals of wrong input.
 */
describe('ganglion sample', () => {
  let dir: string;
  const runs: Record<string, string> = {};

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-sample-'));
    const trainings = PIPELINES.map((name) =>
      GanglionProcess.start(['train', `pipelines/${name}.ts`, '--steps', '2', '--batch-size', '8', '--sample-every', '0', '--log-format', 'json', '--out', path.join(dir, 'runs')]),
    );
    for (const [i, training] of trainings.entries()) {
      const { code } = await training.exited;
      if (code !== 0) throw new Error(`ganglion train ${PIPELINES[i]} exited ${code}:\n${training.output}`);
      runs[PIPELINES[i]] = onlyRunFolder(path.join(dir, 'runs'), PIPELINES[i]);
    }
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `ganglion sample ...args` in a child process; several can run at once. */
  async function sample(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const child = GanglionProcess.start(['sample', ...args]);
    const { code } = await child.exited;
    return { status: code, stdout: child.stdout, stderr: child.stderr };
  }

  function readGrid(file: string): PNG {
    return PNG.sync.read(fs.readFileSync(file));
  }

  /** Distinct grey levels inside the images of a grid of 28x28 images (the black padding left out). */
  function levelsInImages(png: PNG): number {
    const levels = new Set<number>();
    const pitch = 28 + 2;
    for (let y = 0; y < png.height; y++) {
      for (let x = 0; x < png.width; x++) {
        if (y % pitch < 2 || x % pitch < 2) continue;
        levels.add(png.data[(y * png.width + x) * 4]);
      }
    }
    return levels.size;
  }

  it.each(PIPELINES)('%s: --n 64 from the run folder writes an 8x8 grid of 28x28 images that is not constant', async (name) => {
    const out = path.join(dir, `${name}.png`);
    const result = await sample([runs[name], '--n', '64', '--out', out, '--seed', '11']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`Wrote ${out}: 64 images`);
    expect(result.stdout).toContain(path.join(runs[name], 'checkpoints', 'step-000002'));
    const png = readGrid(out);
    expect([png.width, png.height]).toEqual([8 * 28 + 9 * 2, 8 * 28 + 9 * 2]);
    // The RowLSTM draws black-and-white pixels (Bernoulli), the others grey levels.
    expect(levelsInImages(png)).toBeGreaterThan(1);
  });

  it('draws the same grid for the same seed and another for another seed, from a checkpoint folder', async () => {
    const checkpoint = path.join(runs['fashion-dcgan'], 'checkpoints', 'step-000002');
    const [a, b, c] = ['a', 'b', 'c'].map((name) => path.join(dir, `seed-${name}.png`));
    const results = await Promise.all([
      sample([checkpoint, '--n', '9', '--out', a, '--seed', '1']),
      sample([checkpoint, '--n', '9', '--out', b, '--seed', '1']),
      sample([checkpoint, '--n', '9', '--out', c, '--seed', '2', '--columns', '9']),
    ]);
    expect(results.map((result) => result.status)).toEqual([0, 0, 0]);
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
    expect(fs.readFileSync(a).equals(fs.readFileSync(c))).toBe(false);
    expect([readGrid(a).width, readGrid(c).width, readGrid(c).height]).toEqual([3 * 28 + 4 * 2, 9 * 28 + 10 * 2, 28 + 2 * 2]);
  });

  it('refuses a missing folder, a folder with no checkpoint, a corrupt checkpoint and a bad --n, saying what to do', async () => {
    const out = path.join(dir, 'never.png');
    const empty = fs.mkdtempSync(path.join(dir, 'empty-'));
    const corrupt = path.join(dir, 'corrupt-run');
    fs.cpSync(runs['fashion-vae'], corrupt, { recursive: true });
    fs.appendFileSync(path.join(corrupt, 'checkpoints', 'step-000002', 'trainer-state.json'), ' ');
    const [missing, notCheckpoint, corrupted, corruptRun, zero, words] = await Promise.all([
      sample([path.join(dir, 'no-such-run'), '--out', out]),
      sample([empty, '--out', out]),
      sample([path.join(corrupt, 'checkpoints', 'step-000002'), '--out', out]),
      sample([corrupt, '--out', out]),
      sample([runs['fashion-vae'], '--n', '0', '--out', out]),
      sample([runs['fashion-vae'], '--n', 'many', '--out', out]),
    ]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no-such-run does not exist. Pass a checkpoint folder');
    expect(notCheckpoint.status).toBe(1);
    expect(notCheckpoint.stderr).toContain('is not a checkpoint: it holds no manifest.json and no checkpoints/step-* folders');
    expect(corrupted.status).toBe(1);
    expect(corrupted.stderr).toContain('is corrupt or incomplete: trainer-state.json has');
    expect(corruptRun.status).toBe(1);
    expect(corruptRun.stdout).toContain('trainer-state.json has');
    expect(corruptRun.stderr).toContain('none of the checkpoints under');
    for (const [bad, n] of [[zero, '0'], [words, 'many']] as const) {
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toContain(`option '--n <count>' argument '${n}' is invalid. expected a positive integer`);
    }
    expect(fs.existsSync(out)).toBe(false);
  });

  it('rebuilds the model from --pipeline when the recorded pipeline file is gone, and says so when it is not given', async () => {
    // A copy of a run whose checkpoint records a pipeline file that no longer exists (manifest updated to match).
    const run = path.join(dir, 'moved-run');
    fs.cpSync(runs['fashion-vae'], run, { recursive: true });
    const checkpoint = path.join(run, 'checkpoints', 'step-000002');
    const state = JSON.parse(fs.readFileSync(path.join(checkpoint, 'trainer-state.json'), 'utf8'));
    const gone = path.join(dir, 'gone', 'fashion-vae.ts');
    const bytes = Buffer.from(JSON.stringify({ ...state, pipeline: { ...state.pipeline, file: gone } }, null, 2) + '\n');
    fs.writeFileSync(path.join(checkpoint, 'trainer-state.json'), bytes);
    const manifest = JSON.parse(fs.readFileSync(path.join(checkpoint, 'manifest.json'), 'utf8'));
    manifest.files['trainer-state.json'] = { bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
    fs.writeFileSync(path.join(checkpoint, 'manifest.json'), JSON.stringify(manifest));

    const out = path.join(dir, 'moved.png');
    const [refused, rebuilt] = await Promise.all([
      sample([run, '--out', path.join(dir, 'refused.png')]),
      sample([run, '--out', out, '--n', '4', '--pipeline', 'pipelines/fashion-vae.ts']),
    ]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`from ${gone}, which does not exist here. Pass that pipeline file with --pipeline <file>.`);
    expect(rebuilt.stderr).toBe('');
    expect(rebuilt.status).toBe(0);
    expect(readGrid(out).width).toBe(2 * 28 + 3 * 2);
  });
});
