import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, GanglionProcess } from './support/ganglion-process';
import { onlyRunFolder, runGanglion } from './support/run-cli';
import { finalWeightsDifference } from './support/weights-difference';

/**
 * Coordinator death with real processes: `ganglion coordinator` is killed
 * with SIGKILL after a checkpoint. Workers notice the missing heartbeats:
 * one started without --wait-for-coordinator logs it and exits non-zero;
 * one started with it waits, and rejoins (HELLO) when the coordinator is
 * restarted with --resume on the same endpoint, which sends them the
 * checkpoint's state; the run finishes. The global batch (12) is fixed, so
 * the result matches an undisturbed run to the world-size-invariance
 * tolerance (the restarted job has 1 worker instead of 2).
 */
describe('coordinator failover (real processes)', () => {
  const common = ['--steps', '10', '--batch-size', '12', '--sample-every', '0', '--log-every', '1', '--log-format', 'json'];
  let outDir: string;
  const started: GanglionProcess[] = [];

  beforeAll(() => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-failover-'));
  });

  afterEach(() => {
    for (const process of started.splice(0)) process.kill();
  });

  afterAll(() => {
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  it('workers outlive a killed coordinator and finish the run with one restarted with --resume', async () => {
    const endpoint = `tcp://127.0.0.1:${await freePort()}`;
    const out = path.join(outDir, 'failover');
    const coordinatorArgs = ['coordinator', 'pipelines/fashion-vae.ts', '--bind', endpoint, '--out', out, '--checkpoint-every', '2', ...common];
    const first = GanglionProcess.start([...coordinatorArgs, '--workers', '2']);
    started.push(first);
    const worker = (id: string, extra: string[]): GanglionProcess => {
      const process = GanglionProcess.start(['worker', '--connect', endpoint, '--backend', 'wasm', '--worker-id', id, '--log-format', 'json', '--coordinator-timeout', '8', ...extra]);
      started.push(process);
      return process;
    };
    const waiting = [worker('patient', ['--wait-for-coordinator', '180'])];
    const impatient = worker('impatient', []);

    await first.waitForOutput(/"msg":"checkpoint [^"]*step-000004"/, 240_000);
    first.kill();
    expect((await first.exited).signal).toBe('SIGKILL');

    expect(await impatient.exit(120_000)).not.toBe(0);
    // A killed coordinator closes its connections: the worker knows at once (the heartbeat timeout is for hangs).
    expect(impatient.output).toMatch(/coordinator lost: (The connection to the coordinator at tcp:\/\/127\.0\.0\.1:\d+ closed|No word from the coordinator at tcp:\/\/127\.0\.0\.1:\d+ for \d+ s \(no heartbeat)/);
    expect(impatient.output).toMatch(/start workers with --wait-for-coordinator/);
    for (const process of waiting) await process.waitForOutput(/"msg":"waiting up to 180 s for a coordinator at tcp:/, 60_000);

    const second = GanglionProcess.start([...coordinatorArgs, '--workers', '1', '--resume']);
    started.push(second);
    expect(await second.exit(240_000)).toBe(0);
    expect(second.output).toMatch(/"msg":"resuming from [^"]*checkpoints\/step-0000(04|06|08) at step \d of 10"/);
    for (const process of waiting) {
      expect(await process.exit(60_000)).toBe(0);
      expect(process.output).toMatch(/"msg":"rejoined: rank 0 of 1 \(generation \d+\)"/);
    }

    const undisturbedOut = path.join(outDir, 'undisturbed');
    const undisturbed = runGanglion(['launch', 'pipelines/fashion-vae.ts', '--workers', '2', '--backend', 'wasm', '--out', undisturbedOut, ...common]);
    expect(undisturbed.status).toBe(0);
    const difference = finalWeightsDifference(onlyRunFolder(undisturbedOut, 'fashion-vae'), onlyRunFolder(out, 'fashion-vae'));
    expect(difference.maxRelative).toBeLessThanOrEqual(1e-4);
    process.stdout.write(`coordinator SIGKILL + --resume: max relative difference ${difference.maxRelative} (abs ${difference.maxAbsolute})\n`);
  });
});
