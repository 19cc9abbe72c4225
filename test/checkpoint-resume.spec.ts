import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GanglionProcess } from './support/ganglion-process';
import { onlyRunFolder, readMetrics, runGanglion } from './support/run-cli';
import { finalWeightsDifference } from './support/weights-difference';

/**
 * Exact resume through the real command: a straight `ganglion train` of
 * 2k steps against one of k steps resumed (`--resume`) to 2k, each in its
 * own child process, WASM backend. The final weights must match.
 */
describe('ganglion train --resume continues a run exactly', () => {
  let outDir: string;

  beforeAll(() => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-resume-'));
  });

  afterAll(() => {
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  function train(pipeline: string, out: string, args: string[]) {
    const result = runGanglion([
      'train', `pipelines/${pipeline}.ts`, '--batch-size', '16', '--sample-every', '3', '--log-every', '3',
      '--out', path.join(outDir, out), '--log-format', 'json', ...args,
    ]);
    if (result.status !== 0) throw new Error(`ganglion train ${pipeline} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
    return { ...result, run: onlyRunFolder(path.join(outDir, out), pipeline) };
  }

  it('ConvVAE: 3 steps, then --resume (newest run under --out) to 6, equals 6 straight', () => {
    const straight = train('fashion-vae', 'vae-straight', ['--steps', '6']);
    const first = train('fashion-vae', 'vae-resumed', ['--steps', '3']);
    expect(fs.readdirSync(path.join(first.run, 'checkpoints'))).toEqual(['step-000003']);
    const resumed = train('fashion-vae', 'vae-resumed', ['--steps', '6', '--resume']);

    expect(resumed.run).toBe(first.run);
    expect(resumed.stdout).toContain(`resuming from ${path.join(first.run, 'checkpoints', 'step-000003')} at step 3 of 6`);
    expect(readMetrics(resumed.run).map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5]);
    const difference = finalWeightsDifference(straight.run, resumed.run);
    expect(difference.tensors).toBeGreaterThan(4);
    expect(difference.maxRelative).toBeLessThanOrEqual(1e-6);
    expect(fs.readdirSync(path.join(resumed.run, 'checkpoints'))).toEqual(['step-000003', 'step-000006']);
  });

  it('DCGAN (two optimizers): the newest checkpoint corrupted, --resume <run> falls back to the previous one and still ends equal', () => {
    const straight = train('fashion-dcgan', 'gan-straight', ['--steps', '6']);
    const first = train('fashion-dcgan', 'gan-resumed', ['--steps', '5', '--checkpoint-every', '2', '--keep-checkpoints', '2']);
    expect(fs.readdirSync(path.join(first.run, 'checkpoints'))).toEqual(['step-000004', 'step-000005']);
    const newest = path.join(first.run, 'checkpoints', 'step-000005');
    const state = path.join(newest, 'optimizer.bin');
    const bytes = fs.readFileSync(state);
    bytes[bytes.length - 1] ^= 0x80;
    fs.writeFileSync(state, bytes);

    const resumed = train('fashion-dcgan', 'gan-resumed', ['--steps', '6', '--resume', first.run]);
    expect(resumed.stdout).toContain(`Checkpoint ${newest} is corrupt or incomplete: optimizer.bin does not match its sha256`);
    expect(resumed.stdout).toContain('at step 4 of 6');
    // Step 4 was trained after the checkpoint it resumed from: its metrics line is replaced, not repeated.
    expect(readMetrics(resumed.run).map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5]);
    const difference = finalWeightsDifference(straight.run, resumed.run);
    expect(difference.maxRelative).toBeLessThanOrEqual(1e-6);
  });

  it('ConvVAE killed with SIGKILL after a checkpoint, then resumed: ends equal to a straight run', async () => {
    const common = ['--batch-size', '16', '--sample-every', '0', '--log-format', 'json', '--checkpoint-every', '5', '--keep-checkpoints', '50'];
    const killedOut = path.join(outDir, 'vae-killed');
    const killed = GanglionProcess.start(['train', 'pipelines/fashion-vae.ts', '--steps', '400', '--out', killedOut, ...common]);
    await killed.waitForOutput(/"msg":"checkpoint [^"]*step-000005"/);
    killed.kill();
    expect((await killed.exited).signal).toBe('SIGKILL');
    const run = onlyRunFolder(killedOut, 'fashion-vae');

    const straight = train('fashion-vae', 'vae-unkilled', ['--steps', '60', ...common]);
    const resumed = train('fashion-vae', 'vae-killed', ['--steps', '60', '--resume', ...common]);
    expect(resumed.run).toBe(run);
    const from = Number(/resuming from [^"]* at step (\d+) of 60/.exec(resumed.stdout)?.[1]);
    expect(from).toBeGreaterThanOrEqual(5);
    expect(from).toBeLessThan(60);
    expect(readMetrics(run).map((m) => m.step)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(finalWeightsDifference(straight.run, resumed.run).maxRelative).toBeLessThanOrEqual(1e-6);
  });

  it('refuses to resume with a different batch size, saying which flags continue it', () => {
    const first = train('fashion-vae', 'vae-mismatch', ['--steps', '1']);
    const result = runGanglion(['train', 'pipelines/fashion-vae.ts', '--steps', '2', '--batch-size', '8', '--resume', first.run]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('Pass --seed 42 --batch-size 16 to continue it');
  });
});
