import * as path from 'node:path';
import { freePort, GanglionProcess } from './support/ganglion-process';
import { startedProcesses } from './support/started-processes';
import { onlyRunFolder, readMetrics, runGanglion } from './support/run-cli';
import { finalWeightsDifference } from './support/weights-difference';

/**
 * Elastic membership with real processes: `ganglion coordinator` and
 * `ganglion worker`s, a worker killed (SIGKILL), stopped (SIGSTOP: a hang
 * only the heartbeat catches) or started mid-run. The global batch (12)
 * is fixed and divides by 1, 2 and 3, so the run that changed its world
 * size must end like an undisturbed one up to float summation order: the
 * world-size-invariance tolerance, max relative difference ≤ 1e-4
 * (measured: ~1e-6).
 */
describe('elastic membership (real processes)', () => {
  const STEPS = 24;
  const TOLERANCE = 1e-4;
  const common = ['--steps', String(STEPS), '--batch-size', '24', '--sample-every', '0', '--log-every', '1', '--log-format', 'json'];
  const scratch = startedProcesses('ganglion-elastic-');
  const { started } = scratch;
  /** Undisturbed runs by world size. */
  const undisturbed = new Map<number, string>();

  beforeAll(() => {
    for (const workers of [2, 3]) {
      const result = runGanglion(['launch', 'pipelines/fashion-vae.ts', '--workers', String(workers), '--backend', 'wasm', '--out', path.join(scratch.dir, `undisturbed-${workers}`), ...common]);
      if (result.status !== 0) throw new Error(`undisturbed run exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
      undisturbed.set(workers, onlyRunFolder(path.join(scratch.dir, `undisturbed-${workers}`), 'fashion-vae'));
    }
  });

  async function job(label: string, workerIds: string[], coordinatorArgs: string[]) {
    const endpoint = `tcp://127.0.0.1:${await freePort()}`;
    const out = path.join(scratch.dir, label);
    const coordinator = GanglionProcess.start(['coordinator', 'pipelines/fashion-vae.ts', '--bind', endpoint, '--out', out, ...common, ...coordinatorArgs]);
    started.push(coordinator);
    const worker = (id: string): GanglionProcess => {
      const process = GanglionProcess.start(['worker', '--connect', endpoint, '--backend', 'wasm', '--worker-id', id, '--log-format', 'json']);
      started.push(process);
      return process;
    };
    const workers = new Map(workerIds.map((id) => [id, worker(id)]));
    return { coordinator, workers, worker, out };
  }

  it('a worker killed with SIGKILL: the coordinator names it, re-forms generation 2 with the survivors, and the weights match', async () => {
    const { coordinator, workers, out } = await job('killed', ['k1', 'k2', 'k3'], ['--workers', '3', '--min-workers', '2']);
    await coordinator.waitForOutput(/"msg":"step 3\/24 /, 180_000);
    workers.get('k3')?.kill();
    expect(await coordinator.exit(240_000)).toBe(0);
    expect(coordinator.output).toMatch(/"msg":"worker k3 \(rank \d of generation 1, on [^)]*\) left the job: it is unreachable/);
    expect(coordinator.output).toMatch(/"msg":"generation 2: 2 workers, ranks 0=\w+ 1=\w+, from step \d+; rank 0 \(\w+\) sends its state to the others/);
    const run = onlyRunFolder(out, 'fashion-vae');
    expect(readMetrics(run).map((m) => m.step)).toEqual([...Array(STEPS).keys()]);
    const difference = finalWeightsDifference(undisturbed.get(3) as string, run);
    expect(difference.maxRelative).toBeLessThanOrEqual(TOLERANCE);
    process.stdout.write(`SIGKILL of 1 of 3 workers: max relative difference ${difference.maxRelative} (abs ${difference.maxAbsolute})\n`);
  });

  it('a worker joining mid-run is admitted at the end of the current grant of steps with the current state, and the weights match', async () => {
    const { coordinator, workers, worker, out } = await job('joined', ['j1', 'j2'], ['--workers', '2', '--max-workers', '3']);
    await coordinator.waitForOutput(/"msg":"step 3\/24 /, 180_000);
    // A worker process takes seconds to start, longer than this job's steps: hold the others (well within --worker-timeout) until it said HELLO.
    for (const process of workers.values()) process.pause();
    const late = worker('j3');
    await coordinator.waitForOutput(/"msg":"worker j3 \([^)]*\) joined with backend wasm mid-run/, 120_000);
    for (const process of workers.values()) process.resume();
    expect(await coordinator.exit(240_000)).toBe(0);
    expect(await late.exit(60_000)).toBe(0);
    expect(coordinator.output).toMatch(/"msg":"generation 2: 3 workers, ranks 0=j\d 1=j\d 2=j3, from step \d+; rank 0/);
    expect(late.output).toMatch(/"msg":"loaded the job's state: step \d+"/);
    const run = onlyRunFolder(out, 'fashion-vae');
    const difference = finalWeightsDifference(undisturbed.get(2) as string, run);
    expect(difference.maxRelative).toBeLessThanOrEqual(TOLERANCE);
    process.stdout.write(`worker joined mid-run: max relative difference ${difference.maxRelative} (abs ${difference.maxAbsolute})\n`);
  });

  it('a hung worker (SIGSTOP) is caught by the heartbeat timeout; the job goes on with --min-workers 1 and the weights match', async () => {
    const { coordinator, workers, out } = await job('hung', ['h1', 'h2'], ['--workers', '2', '--min-workers', '1', '--worker-timeout', '4']);
    await coordinator.waitForOutput(/"msg":"step 3\/24 /, 180_000);
    workers.get('h2')?.pause();
    await coordinator.waitForOutput(/"msg":"worker h2 \(rank \d of generation 1, [^)]*\) left the job/, 60_000);
    expect(await coordinator.exit(240_000)).toBe(0);
    expect(coordinator.output).toMatch(/"msg":"generation 2: 1 worker, ranks 0=h1, from step \d+/);
    const run = onlyRunFolder(out, 'fashion-vae');
    const difference = finalWeightsDifference(undisturbed.get(2) as string, run);
    expect(difference.maxRelative).toBeLessThanOrEqual(TOLERANCE);
    process.stdout.write(`SIGSTOP of 1 of 2 workers: max relative difference ${difference.maxRelative} (abs ${difference.maxAbsolute})\n`);
  });
});
