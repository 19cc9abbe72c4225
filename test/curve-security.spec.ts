import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, GanglionProcess } from './support/ganglion-process';
import { runGanglion } from './support/run-cli';

/**
 * CURVE with real processes: `ganglion keygen` keys, a ring job's
 * coordinator with an allow-list, a worker whose key is not on it
 * (refused, exits non-zero), then two whose keys are (join, train the VAE
 * over an encrypted ring to matching checksums).
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

  it('refuses a worker whose key is not on --allow, keeps running, and trains a ring with allowed ones', async () => {
    const keys = path.join(dir, 'keys');
    const coordinatorKey = keygen(keys, 'coordinator');
    const keyA = keygen(path.join(keys, 'workers'), 'worker-a');
    const keyC = keygen(path.join(keys, 'workers'), 'worker-c');
    const keyB = keygen(path.join(dir, 'strangers'), 'worker-b');
    expect(fs.readFileSync(path.join(keys, 'coordinator.pub'), 'utf8').trim()).toBe(coordinatorKey);
    expect(fs.statSync(path.join(keys, 'workers', 'worker-a.key')).mode & 0o777).toBe(0o600);
    expect(keyA).not.toBe(keyB);

    const endpoint = `tcp://127.0.0.1:${await freePort()}`;
    const coordinator = GanglionProcess.start([
      'coordinator', 'pipelines/fashion-vae.ts', '--bind', endpoint, '--workers', '2', '--reducer', 'ring', '--steps', '2', '--batch-size', '16',
      '--checksum-every', '1', '--progress', 'lines', '--out', path.join(dir, 'runs'), '--join-timeout', '120',
      '--curve-secret', path.join(keys, 'coordinator.key'), '--allow', path.join(keys, 'workers'),
    ]);
    processes.push(coordinator);
    await coordinator.waitForOutput(/CURVE on: .*ring sockets between workers are CURVE too/);
    await coordinator.waitForOutput(/waiting for 2 workers .*reducer ring/);

    const stranger = GanglionProcess.start([
      'worker', '--connect', endpoint, '--backend', 'wasm', '--connect-timeout', '4',
      '--curve-secret', path.join(dir, 'strangers', 'worker-b.key'), '--coordinator-key', path.join(keys, 'coordinator.pub'),
    ]);
    processes.push(stranger);
    expect(await stranger.exit(60_000)).not.toBe(0);
    expect(stranger.output).toMatch(/the coordinator refused this worker's key/);
    expect(coordinator.output).toContain(`refused a worker: its CURVE public key ${keyB}`);
    expect(coordinator.running).toBe(true);

    const friends = ['worker-a', 'worker-c'].map((name) =>
      GanglionProcess.start([
        'worker', '--connect', endpoint, '--backend', 'wasm',
        '--curve-secret', path.join(keys, 'workers', `${name}.key`), '--coordinator-key', path.join(keys, 'coordinator.pub'),
      ]),
    );
    processes.push(...friends);
    expect(await Promise.all(friends.map((friend) => friend.exit(180_000)))).toEqual([0, 0]);
    expect(await coordinator.exit(60_000)).toBe(0);
    for (const friend of friends) {
      expect(friend.output).toMatch(/ring socket bound at tcp:\S+ \(CURVE/);
      expect(friend.output).toMatch(/rank [01] of 2, reducer ring/);
    }
    expect(coordinator.output).toContain('Trained 2 steps with 2 workers (reducer ring)');
    expect(coordinator.output).toContain('Weights identical on all 2 ranks: checksums matched at 2 steps');
    for (const key of [keyA, keyC]) expect(coordinator.output).not.toContain(`refused a worker: its CURVE public key ${key}`);
  }, 240_000);

  it('warns prominently when binding beyond loopback without CURVE', async () => {
    const coordinator = GanglionProcess.start([
      'coordinator', 'pipelines/fashion-vae.ts', '--bind', `tcp://0.0.0.0:${await freePort()}`, '--workers', '1',
      '--out', path.join(dir, 'runs-open'), '--join-timeout', '30',
    ]);
    processes.push(coordinator);
    await coordinator.waitForOutput(/waiting for 1 worker/);
    expect(coordinator.output).toMatch(/WITHOUT encryption or authentication/);
    expect(coordinator.output).toContain('ganglion keygen --out keys --workers 2');
    expect(coordinator.output).toContain('--curve-secret keys/coordinator.key --allow keys/workers');
    coordinator.kill();
    await coordinator.exit();
  }, 60_000);

  it('warns prominently when a worker binds its ring socket beyond loopback without CURVE', async () => {
    const worker = GanglionProcess.start([
      'worker', '--connect', `tcp://127.0.0.1:${await freePort()}`, '--ring-bind', 'tcp://0.0.0.0:*', '--backend', 'wasm', '--connect-timeout', '2',
    ]);
    processes.push(worker);
    expect(await worker.exit(60_000)).not.toBe(0);
    expect(worker.output).toMatch(/binding the ring socket at tcp:\/\/0\.0\.0\.0:\* beyond loopback WITHOUT encryption or authentication/);
    expect(worker.output).toContain('anyone who can reach this ring port can read and inject gradients');
    expect(worker.output).toContain('--curve-keys keys');
  }, 60_000);
});
