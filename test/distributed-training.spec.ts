import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pack, unpack } from 'msgpackr';
import { PNG } from 'pngjs';
import { Dealer } from 'zeromq';
import { missingFrameMallocTunables } from '@ganglion/comm';
import { freePort, GanglionProcess } from './support/ganglion-process';
import { REPO_ROOT } from './support/repo-root';
import { onlyRunFolder, readMetrics, runGanglion } from './support/run-cli';

/**
 * Data-parallel training with real processes: the real `ganglion`
 * commands, real ZeroMQ on loopback, tfjs on WASM, the bundled
 * Fashion-MNIST images.
 */
describe('data-parallel training across processes', () => {
  let outDir: string;

  beforeAll(() => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-distributed-'));
  });

  afterAll(() => {
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  it('`launch --workers 2` trains the VAE in lock-step: metrics with reduce times, matching checksums, sample grids, final weights', () => {
    const out = path.join(outDir, 'launch');
    const result = runGanglion([
      'launch', 'pipelines/fashion-vae.ts', '--workers', '2', '--steps', '6', '--batch-size', '16',
      '--sample-every', '3', '--log-every', '2', '--checksum-every', '3', '--backend', 'wasm', '--out', out,
    ]);
    if (result.status !== 0) throw new Error(`launch exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
    const run = onlyRunFolder(out, 'fashion-vae');

    const metrics = readMetrics(run) as Array<{ step: number; losses: Record<string, number>; reduceMs?: number }>;
    expect(metrics.map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const m of metrics) {
      expect(Number.isFinite(m.losses.vae)).toBe(true);
      expect(m.reduceMs).toBeGreaterThan(0);
    }
    // Both ranks were told they are rank r of 2 with the ring reducer, and the coordinator logs reduce times per step.
    expect(result.stdout).toMatch(/\[worker \d\] .*rank 0 of 2, reducer ring/);
    expect(result.stdout).toMatch(/\[worker \d\] .*rank 1 of 2, reducer ring/);
    expect(result.stdout).toMatch(/step 6\/6 loss vae=\d+\.\d+ \d+ ms\/step, reduce \d+\.\d ms\/step \[ring, world size 2\]/);
    // Checksums were compared after step 3 and after the last step, and matched.
    expect(result.stdout).toMatch(/step 3: weight checksums match on all 2 ranks/);
    expect(result.stdout).toMatch(/step 6: weight checksums match on all 2 ranks/);
    expect(result.stdout).toContain('Weights identical on all 2 ranks: checksums matched at 2 steps');
    const grid = PNG.sync.read(fs.readFileSync(path.join(run, 'samples', 'step-000006.png')));
    expect(grid.width).toBeGreaterThan(28 * 4);
    expect(fs.existsSync(path.join(run, 'samples', 'step-000003.png'))).toBe(true);
    const manifest = JSON.parse(fs.readFileSync(path.join(run, 'final-weights.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'ganglion-weights', step: 6 });
    expect(fs.statSync(path.join(run, 'final-weights.bin')).size).toBe(
      manifest.tensors.reduce((sum: number, t: { length: number }) => sum + 4 * t.length, 0),
    );
    expect(result.stdout).toContain(`Sample grids: ${path.join(run, 'samples')}`);
    // launch starts its workers with the frame malloc tunables, so none of them asks for them.
    expect(result.stdout + result.stderr).not.toContain('GLIBC_TUNABLES');
  });

  it('a worker with no coordinator to reach gives up with a message naming the endpoint', async () => {
    const endpoint = `tcp://127.0.0.1:${await freePort()}`;
    const result = runGanglion(['worker', '--connect', endpoint, '--connect-timeout', '2', '--backend', 'cpu', 'pipelines/fashion-vae.ts']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`No coordinator answered at ${endpoint} within 2 s`);
    expect(result.stderr).toMatch(/check the host and port given to --connect/);
  });

  it('the coordinator refuses a wrong protocol version and differing pipeline files, stays up, and then trains with a good worker', async () => {
    const port = await freePort();
    const endpoint = `tcp://127.0.0.1:${port}`;
    const out = path.join(outDir, 'refusals');
    // The coordinator trains a copy of the VAE pipeline that the test can change under it.
    const original = fs.readFileSync(path.join(REPO_ROOT, 'pipelines', 'fashion-vae.ts'), 'utf8');
    const shared = path.join(fs.mkdtempSync(path.join(outDir, 'shared-')), 'fashion-vae.ts');
    fs.writeFileSync(shared, original);
    const coordinator = GanglionProcess.start([
      'coordinator', shared, '--bind', endpoint, '--workers', '1', '--steps', '2', '--batch-size', '8',
      '--sample-every', '0', '--join-timeout', '240', '--out', out,
    ]);
    try {
      await coordinator.waitForOutput(/waiting for 1 worker at/);

      // 1. A peer speaking protocol 999 gets an ERROR that says so.
      const dealer = new Dealer({ linger: 0, routingId: 'old-worker', receiveTimeout: 10_000 });
      try {
        dealer.connect(endpoint);
        await dealer.send([pack({ type: 'HELLO', protocol: 999, generation: 0, step: 0, workerId: 'old-worker', host: 'h', pid: 1, backend: 'cpu', devices: [], ringEndpoint: null, pipelineHash: null })]);
        const [header] = await dealer.receive();
        const reply = unpack(header) as { type: string; code: string; reason: string; fatal: boolean };
        expect(reply).toMatchObject({ type: 'ERROR', code: 'wrong-version', fatal: true });
        expect(reply.reason).toMatch(/protocol 999, this build speaks \d+; deploy the same Ganglion version/);
      } finally {
        dealer.close();
      }
      expect(coordinator.running).toBe(true);

      // 2. A worker given its own, different copy of the pipeline is refused at HELLO and exits non-zero.
      const copy = path.join(fs.mkdtempSync(path.join(outDir, 'other-copy-')), 'fashion-vae.ts');
      fs.writeFileSync(copy, original + '\n// edited on this machine only\n');
      const stale = GanglionProcess.start(['worker', '--connect', endpoint, copy, '--backend', 'cpu', '--connect-timeout', '60']);
      expect(await stale.exit(120_000)).toBe(1);
      expect(stale.stderr).toMatch(/refused this worker \(pipeline-mismatch\): Your pipeline file differs from the coordinator's .*fashion-vae\.ts/);
      expect(stale.stderr).toContain('deploy the same code on every machine');
      await coordinator.waitForOutput(/refused worker .*pipeline file differs/);
      expect(coordinator.running).toBe(true);

      // 2b. The same file with a training-relevant --set the coordinator was not given: a different pipeline hash, refused alike.
      const overridden = GanglionProcess.start(['worker', '--connect', endpoint, shared, '--set', 'optimizer.learningRate=0.5', '--backend', 'cpu', '--connect-timeout', '60']);
      expect(await overridden.exit(120_000)).toBe(1);
      expect(overridden.stderr).toMatch(/refused this worker \(pipeline-mismatch\): .*the training-relevant --set flags do/);
      expect(coordinator.running).toBe(true);

      // 3. A worker without a pipeline argument loads the coordinator's path; the file there changed since: it reports and exits.
      fs.writeFileSync(shared, original + '\n// changed after the coordinator loaded it\n');
      const drifted = GanglionProcess.start(['worker', '--connect', endpoint, '--backend', 'cpu', '--connect-timeout', '60']);
      expect(await drifted.exit(120_000)).toBe(1);
      expect(drifted.stderr).toMatch(/The pipeline file .*fashion-vae\.ts on this machine differs from the coordinator's .* Deploy the same code on every machine\./);
      await coordinator.waitForOutput(/dropped out before training: pipeline-mismatch/);
      expect(coordinator.running).toBe(true);

      // 4. With the same file again, a worker without a pipeline argument joins and the job completes.
      fs.writeFileSync(shared, original);
      const good = GanglionProcess.start(['worker', '--connect', endpoint, '--backend', 'wasm']);
      expect(await good.exit(240_000)).toBe(0);
      expect(good.stdout).toContain('Worker rank 0 of 1 trained 2 steps');
      // Started by hand without them, a worker on glibc says how to start it with the frame malloc tunables.
      if (missingFrameMallocTunables().missing.length > 0) expect(good.stdout).toMatch(/Start it with GLIBC_TUNABLES=glibc\.malloc\.mmap_threshold=33554432:glibc\.malloc\.trim_threshold=268435456/);
      expect(await coordinator.exit(60_000)).toBe(0);
      expect(coordinator.stdout).toContain('Trained 2 steps with 1 worker');
      expect(readMetrics(onlyRunFolder(out, 'fashion-vae'))).toHaveLength(2);
    } finally {
      coordinator.kill();
    }
  });

  it('`run` reads RANK / WORLD_SIZE / MASTER_ADDR / MASTER_PORT: process 0 coordinates and trains, process 1 joins it', async () => {
    const port = await freePort();
    const out = path.join(outDir, 'scheduled');
    const common = ['run', 'pipelines/fashion-vae.ts', '--steps', '3', '--batch-size', '8', '--sample-every', '0', '--bind-host', '127.0.0.1', '--backend', 'wasm', '--out', out];
    const env = { WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) };
    const rank1 = GanglionProcess.start(common, { ...env, RANK: '1' });
    const rank0 = GanglionProcess.start(common, { ...env, RANK: '0' });
    try {
      const [code0, code1] = await Promise.all([rank0.exit(240_000), rank1.exit(240_000)]);
      if (code0 !== 0 || code1 !== 0) throw new Error(`run exited ${code0} / ${code1}:\n${rank0.output}\n----\n${rank1.output}`);
      expect(rank0.stdout).toContain(`waiting for 2 workers at tcp://127.0.0.1:${port}`);
      expect(rank0.stdout).toContain('Trained 3 steps with 2 workers');
      expect(rank1.stdout).toMatch(/Process 1 of 2 \(env\): worker rank [01] trained 3 steps/);
      expect(readMetrics(onlyRunFolder(out, 'fashion-vae'))).toHaveLength(3);
    } finally {
      rank0.kill();
      rank1.kill();
    }
  });
});
