import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, GanglionProcess } from './support/ganglion-process';
import { runGanglion } from './support/run-cli';

/**
 * CURVE with real processes: `ganglion keygen` keys, a coordinator with an
 * allow-list, a worker whose key is not on it (refused, exits non-zero),
 * then one whose key is (joins, trains the VAE to the end).
 */
describe('CURVE keys and the allow-list across processes', () => {
  let dir: string;
  const processes: GanglionProcess[] = [];

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-curve-'));
  });

  afterAll(() => {
    for (const p of processes) p.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function keygen(out: string, name: string): string {
    const result = runGanglion(['keygen', '--out', out, '--name', name]);
    if (result.status !== 0) throw new Error(`keygen exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
    return result.stdout.trim();
  }

  it('refuses a worker whose key is not on --allow, keeps running, and trains with an allowed one', async () => {
    const keys = path.join(dir, 'keys');
    const coordinatorKey = keygen(keys, 'coordinator');
    const keyA = keygen(path.join(keys, 'workers'), 'worker-a');
    const keyB = keygen(path.join(dir, 'strangers'), 'worker-b');
    expect(fs.readFileSync(path.join(keys, 'coordinator.pub'), 'utf8').trim()).toBe(coordinatorKey);
    expect(fs.statSync(path.join(keys, 'workers', 'worker-a.key')).mode & 0o777).toBe(0o600);
    expect(keyA).not.toBe(keyB);

    const endpoint = `tcp://127.0.0.1:${await freePort()}`;
    const coordinator = GanglionProcess.start([
      'coordinator', 'pipelines/fashion-vae.ts', '--bind', endpoint, '--workers', '1', '--steps', '2', '--batch-size', '16',
      '--out', path.join(dir, 'runs'), '--join-timeout', '120',
      '--curve-secret', path.join(keys, 'coordinator.key'), '--allow', path.join(keys, 'workers'),
    ]);
    processes.push(coordinator);
    await coordinator.waitForOutput(/CURVE on: .*reducer forced to star/);
    await coordinator.waitForOutput(/waiting for 1 worker/);

    const stranger = GanglionProcess.start([
      'worker', '--connect', endpoint, '--backend', 'wasm', '--connect-timeout', '4',
      '--curve-secret', path.join(dir, 'strangers', 'worker-b.key'), '--coordinator-key', path.join(keys, 'coordinator.pub'),
    ]);
    processes.push(stranger);
    expect(await stranger.exit(60_000)).not.toBe(0);
    expect(stranger.output).toMatch(/the coordinator refused this worker's key/);
    expect(coordinator.output).toContain(`refused a worker: its CURVE public key ${keyB}`);
    expect(coordinator.running).toBe(true);

    const friend = GanglionProcess.start([
      'worker', '--connect', endpoint, '--backend', 'wasm',
      '--curve-secret', path.join(keys, 'workers', 'worker-a.key'), '--coordinator-key', path.join(keys, 'coordinator.pub'),
    ]);
    processes.push(friend);
    expect(await friend.exit(120_000)).toBe(0);
    expect(await coordinator.exit(60_000)).toBe(0);
    expect(friend.output).toMatch(/rank 0 of 1, reducer star/);
    expect(coordinator.output).toMatch(/step 2\/2 loss vae=\d+\.\d+/);
    expect(coordinator.output).toContain('Trained 2 steps with 1 worker (reducer star)');
    expect(coordinator.output).not.toContain(`refused a worker: its CURVE public key ${keyA}`);
  }, 240_000);

  it('warns prominently when binding beyond loopback without CURVE', async () => {
    const coordinator = GanglionProcess.start([
      'coordinator', 'pipelines/fashion-vae.ts', '--bind', `tcp://0.0.0.0:${await freePort()}`, '--workers', '1',
      '--out', path.join(dir, 'runs-open'), '--join-timeout', '30',
    ]);
    processes.push(coordinator);
    await coordinator.waitForOutput(/waiting for 1 worker/);
    expect(coordinator.output).toMatch(/WITHOUT encryption or authentication/);
    expect(coordinator.output).toContain('ganglion keygen --out keys --name coordinator');
    expect(coordinator.output).toContain('--curve-secret keys/coordinator.key --allow keys/workers');
    coordinator.kill();
    await coordinator.exit();
  }, 60_000);
});
