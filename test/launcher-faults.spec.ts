import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort, GanglionProcess } from './support/ganglion-process';
import { startedProcesses } from './support/started-processes';
import { onlyRunFolder, readMetrics } from './support/run-cli';

/**
 * Launchers that keep their promises (issue 11), with real processes:
 * `launch` follows the same elastic rules as `coordinator` for crashed
 * and hung workers and names them by rank and id; workers do not outlive
 * a launcher killed with SIGKILL; a coordinator restarted with --resume
 * is rejoined within seconds, not after --coordinator-timeout (120 s).
 */
describe('launchers that keep their promises (real processes)', () => {
  const common = ['--batch-size', '12', '--sample-every', '0', '--log-every', '1', '--log-format', 'json', '--backend', 'wasm'];
  const scratch = startedProcesses('ganglion-launcher-');
  const { started } = scratch;
  const strays: number[] = [];

  afterEach(() => {
    for (const pid of strays.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  function alive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** Local workers a launch started, from the coordinator's "joined" lines: worker id and pid. */
  function joinedWorkers(output: string): Array<{ id: string; pid: number }> {
    return [...output.matchAll(/"msg":"worker (\S+) \([^,]+, pid (\d+)\) joined/g)].map((m) => ({ id: m[1], pid: Number(m[2]) }));
  }

  async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
      if (condition()) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return condition();
  }

  function launch(label: string, extra: string[]): { job: GanglionProcess; out: string } {
    const out = path.join(scratch.dir, label);
    const job = GanglionProcess.start(['launch', 'pipelines/fashion-vae.ts', '--workers', '2', '--out', out, ...common, ...extra]);
    started.push(job);
    return { job, out };
  }

  it('launch --min-workers 1: a worker killed with SIGKILL is dropped by rank and id and the job finishes with every step', async () => {
    const { job, out } = launch('crash-min1', ['--steps', '10', '--min-workers', '1']);
    await job.waitForOutput(/"msg":"step 3\/10/, 240_000);
    const workers = joinedWorkers(job.output);
    expect(workers).toHaveLength(2);
    const victim = workers[1];
    strays.push(...workers.map((w) => w.pid));
    process.kill(victim.pid, 'SIGKILL');
    expect(await job.exit(240_000)).toBe(0);
    const log = job.output;
    expect(log).toMatch(new RegExp(`local worker rank \\d \\(worker ${victim.id}, pid ${victim.pid}\\) was killed by SIGKILL; the coordinator decides`));
    expect(log).not.toMatch(/Worker \d \(pid/);
    expect(log).toMatch(/"msg":"generation 2: 1 worker/);
    const run = onlyRunFolder(out, 'fashion-vae');
    expect(readMetrics(run).map((m) => m.step)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(fs.existsSync(path.join(run, 'final-weights.bin'))).toBe(true);
  });

  it('launch without --min-workers: a killed worker stops the job after --rejoin-timeout, as under `coordinator`, naming it by rank and id', async () => {
    const { job } = launch('crash-strict', ['--steps', '40', '--rejoin-timeout', '3']);
    await job.waitForOutput(/"msg":"step 3\/40/, 240_000);
    const workers = joinedWorkers(job.output);
    strays.push(...workers.map((w) => w.pid));
    const victim = workers[0];
    process.kill(victim.pid, 'SIGKILL');
    expect(await job.exit(120_000)).toBe(1);
    expect(job.output).toMatch(new RegExp(`worker ${victim.id}`));
    expect(job.output).toMatch(/fewer than --min-workers|min-workers/);
    expect(job.output).not.toMatch(/Worker \d \(pid/);
    expect(await waitUntil(() => workers.every((w) => !alive(w.pid)), 15_000)).toBe(true);
  });

  it('launch --min-workers 1 --worker-timeout 4: a hung worker (SIGSTOP) is dropped, its process killed, and the job finishes', async () => {
    const { job, out } = launch('hang-min1', ['--steps', '10', '--min-workers', '1', '--worker-timeout', '4']);
    await job.waitForOutput(/"msg":"step 3\/10/, 240_000);
    const workers = joinedWorkers(job.output);
    strays.push(...workers.map((w) => w.pid));
    const victim = workers[1];
    process.kill(victim.pid, 'SIGSTOP');
    expect(await job.exit(240_000)).toBe(0);
    expect(job.output).toMatch(/"msg":"generation 2: 1 worker/);
    expect(alive(victim.pid)).toBe(false);
    expect(readMetrics(onlyRunFolder(out, 'fashion-vae'))).toHaveLength(10);
  });

  it('workers exit within seconds when their launcher is killed with SIGKILL', async () => {
    const { job } = launch('orphans', ['--steps', '400']);
    await job.waitForOutput(/"msg":"step 2\/400/, 240_000);
    const workers = joinedWorkers(job.output);
    expect(workers).toHaveLength(2);
    strays.push(...workers.map((w) => w.pid));
    job.kill();
    const killedAt = Date.now();
    expect(await waitUntil(() => workers.every((w) => !alive(w.pid)), 15_000)).toBe(true);
    process.stdout.write(`workers gone ${Date.now() - killedAt} ms after the launcher's SIGKILL\n`);
  });

  it('a coordinator restarted with --resume right after a SIGKILL is rejoined within seconds (default --coordinator-timeout 120 s)', async () => {
    const endpoint = `tcp://127.0.0.1:${await freePort()}`;
    const out = path.join(scratch.dir, 'restart');
    const coordinatorArgs = ['coordinator', 'pipelines/fashion-vae.ts', '--bind', endpoint, '--out', out, '--workers', '1', '--steps', '30', '--checkpoint-every', '2', ...common.filter((a) => a !== '--backend' && a !== 'wasm')];
    const first = GanglionProcess.start(coordinatorArgs);
    started.push(first);
    const worker = GanglionProcess.start(['worker', '--connect', endpoint, '--backend', 'wasm', '--log-format', 'json', '--wait-for-coordinator', '180']);
    started.push(worker);
    await first.waitForOutput(/"msg":"checkpoint [^"]*step-000004/, 240_000);
    first.kill();
    const killedAt = Date.now();
    await worker.waitForOutput(/"msg":"coordinator lost: The connection to the coordinator at tcp:[^"]* closed/, 20_000);
    const noticedMs = Date.now() - killedAt;
    const second = GanglionProcess.start([...coordinatorArgs, '--resume']);
    started.push(second);
    await second.waitForOutput(/"msg":"waiting for 1 worker at/, 120_000);
    const listeningAt = Date.now();
    await second.waitForOutput(/"msg":"generation \d+: 1 worker/, 30_000);
    const rejoinMs = Date.now() - listeningAt;
    expect(noticedMs).toBeLessThan(15_000);
    expect(rejoinMs).toBeLessThan(10_000);
    expect(await second.exit(240_000)).toBe(0);
    expect(await worker.exit(60_000)).toBe(0);
    process.stdout.write(`coordinator restart: the worker noticed in ${noticedMs} ms, rejoined ${rejoinMs} ms after the new coordinator listened\n`);
  });
});
