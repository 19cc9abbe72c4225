import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { verifyCheckpoint } from '@ganglion/pipeline';
import { onlyRunFolder, readMetrics, runGanglion } from './support/run-cli';
import { finalWeightsDifference } from './support/weights-difference';

/**
 * Data-parallel checkpoints and resume with real processes: rank 0 sends
 * its state to the coordinator, which writes `ganglion train`'s checkpoint
 * layout; `launch --resume` loads the newest one and sends it to every
 * worker. 2 workers × 3 steps, then resumed to 6, must equal 6 straight
 * steps with 2 workers (measured: identical, max difference 0).
 */
describe('data-parallel checkpoints and --resume', () => {
  let outDir: string;

  beforeAll(() => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-dp-resume-'));
  });

  afterAll(() => {
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  function launch(out: string, args: string[]): { run: string; stdout: string } {
    const result = runGanglion([
      'launch', 'pipelines/fashion-vae.ts', '--workers', '2', '--batch-size', '16', '--sample-every', '0', '--backend', 'wasm',
      '--log-format', 'json', '--out', path.join(outDir, out), ...args,
    ]);
    if (result.status !== 0) throw new Error(`launch ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
    return { run: onlyRunFolder(path.join(outDir, out), 'fashion-vae'), stdout: result.stdout };
  }

  it('2 workers: 3 steps, then --resume to 6, equals 6 straight; checkpoints load as train ones do', () => {
    const first = launch('resumed', ['--steps', '3', '--checkpoint-every', '2', '--keep-checkpoints', '5']);
    expect(fs.readdirSync(path.join(first.run, 'checkpoints'))).toEqual(['step-000002', 'step-000003']);
    const checkpoint = verifyCheckpoint(path.join(first.run, 'checkpoints', 'step-000003'));
    expect(checkpoint.state).toMatchObject({ step: 3, worldSize: 2, globalBatchSize: 16, model: 'conv-vae' });
    expect(checkpoint.state.generation).toBeGreaterThanOrEqual(1);

    const resumed = launch('resumed', ['--steps', '6', '--checkpoint-every', '2', '--keep-checkpoints', '5', '--resume']);
    expect(resumed.run).toBe(first.run);
    expect(resumed.stdout).toContain(`resuming from ${path.join(first.run, 'checkpoints', 'step-000003')} at step 3 of 6`);
    expect(resumed.stdout).toMatch(/loaded the job's state: step 3/);
    expect(readMetrics(resumed.run).map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(fs.readdirSync(path.join(resumed.run, 'checkpoints'))).toEqual(['step-000002', 'step-000003', 'step-000004', 'step-000006']);

    const straight = launch('straight', ['--steps', '6']);
    const difference = finalWeightsDifference(straight.run, resumed.run);
    expect(difference.tensors).toBeGreaterThan(4);
    expect(difference.maxRelative).toBeLessThanOrEqual(1e-6);
  });
});
