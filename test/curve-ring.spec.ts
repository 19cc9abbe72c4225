import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Push, curveKeyPair } from 'zeromq';
import { encodeMessage } from '@ganglion/comm';
import { freePort, GanglionProcess } from './support/ganglion-process';
import { runGanglion } from './support/run-cli';

/** A well-formed RING_CHUNK for the first step, and bytes that are no message at all. */
function ringMessages(): Buffer[][] {
  const chunk = encodeMessage(
    { type: 'RING_CHUNK', generation: 1, step: 0, rank: 0, phase: 0, bucket: 0, round: 0, chunk: 0, weightSum: 1 },
    { values: [new Float32Array(16).fill(1e9)] },
  );
  return [chunk, [Buffer.from('not a ganglion message')]];
}

/**
 * CURVE on the ring with real processes. One `ganglion launch
 * --curve-keys` command (keys from `ganglion keygen --workers 2`) trains a
 * 2-worker ring job to matching checksums. Then a coordinator and one
 * worker wait for a second worker while raw ZeroMQ sockets, one with a key
 * outside the job and one without CURVE, try to send into the worker's
 * ring socket: the worker logs each refused connection, nothing of theirs
 * reaches its decoder, and the job then trains normally.
 */
describe('CURVE on the ring between workers', () => {
  let dir: string;
  let keys: string;
  const processes: GanglionProcess[] = [];
  const sockets: Push[] = [];

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-curve-ring-'));
    keys = path.join(dir, 'keys');
  });

  afterAll(() => {
    for (const socket of sockets) socket.close();
    for (const p of processes) p.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('trains a 2-worker ring job with keys in one launch command, to matching checksums', async () => {
    const keygen = runGanglion(['keygen', '--out', keys, '--workers', '2']);
    expect(keygen.status).toBe(0);
    expect(keygen.stdout).toMatch(/^coordinator \S{40}\nworker-0 \S{40}\nworker-1 \S{40}\n$/);
    for (const file of ['coordinator.key', 'workers/worker-0.key', 'workers/worker-1.key']) {
      expect(fs.statSync(path.join(keys, file)).mode & 0o777).toBe(0o600);
    }
    const launch = runGanglion([
      'launch', 'pipelines/fashion-vae.ts', '--workers', '2', '--reducer', 'ring', '--curve-keys', keys, '--backend', 'wasm',
      '--steps', '6', '--batch-size', '16', '--sample-every', '0', '--checksum-every', '2', '--progress', 'lines', '--join-timeout', '240',
      '--out', path.join(dir, 'runs-launch'),
    ]);
    const output = launch.stdout + launch.stderr;
    expect({ status: launch.status, output }).toMatchObject({ status: 0 });
    expect(output).toMatch(/CURVE on: .*ring sockets between workers are CURVE too/);
    expect(output).not.toMatch(/forced to star/);
    expect(output.match(/\[worker [01]\] .*ring socket bound at tcp:\S+ \(CURVE/g)).toHaveLength(2);
    expect(output).toContain('Trained 6 steps with 2 workers (reducer ring)');
    expect(output).toContain('Weights identical on all 2 ranks: checksums matched at 3 steps');
    expect(output).not.toMatch(/refused a ring message/);
  }, 300_000);

  it("lets no stranger through a worker's ring socket, logs each refusal, and then trains normally", async () => {
    const endpoint = `tcp://127.0.0.1:${await freePort()}`;
    const coordinator = GanglionProcess.start([
      'coordinator', 'pipelines/fashion-vae.ts', '--bind', endpoint, '--workers', '2', '--reducer', 'ring', '--steps', '4', '--batch-size', '16',
      '--checksum-every', '2', '--progress', 'lines', '--out', path.join(dir, 'runs'), '--join-timeout', '240',
      '--curve-secret', path.join(keys, 'coordinator.key'), '--allow', path.join(keys, 'workers'),
    ]);
    processes.push(coordinator);
    const worker = (name: string): GanglionProcess =>
      GanglionProcess.start([
        'worker', '--connect', endpoint, '--backend', 'wasm',
        '--curve-secret', path.join(keys, 'workers', `${name}.key`), '--coordinator-key', path.join(keys, 'coordinator.pub'),
      ]);
    const first = worker('worker-0');
    processes.push(first);
    await first.waitForOutput(/ring socket bound at tcp:\/\/\S+ \(CURVE/, 120_000);
    const ringEndpoint = (/ring socket bound at (tcp:\/\/\S+) \(CURVE/.exec(first.output) as RegExpExecArray)[1];

    // A stranger who knows the worker's public key (it is public) but whose own key is not in the job, and a plain-TCP peer.
    const workerKey = fs.readFileSync(path.join(keys, 'workers', 'worker-0.pub'), 'utf8').trim();
    const stranger = curveKeyPair();
    const curvePush = new Push({ linger: 0, curvePublicKey: stranger.publicKey, curveSecretKey: stranger.secretKey, curveServerKey: workerKey });
    const plainPush = new Push({ linger: 0 });
    sockets.push(curvePush, plainPush);
    curvePush.connect(ringEndpoint);
    plainPush.connect(ringEndpoint);
    for (const message of ringMessages()) {
      void curvePush.send(message).catch(() => undefined);
      void plainPush.send(message).catch(() => undefined);
    }
    // libzmq sometimes ends a plain-TCP peer's attempts with a handshake failure that carries no detail (not reported:
    // a member's slow handshake ends the same way); a fresh plain peer is then refused as a protocol error.
    const plainRefused = /refused a ring connection at tcp:\S+: \(no CURVE handshake/;
    for (let attempt = 0; attempt < 5 && !plainRefused.test(first.output); attempt++) {
      await first.waitForOutput(plainRefused, 12_000).catch(() => undefined);
      if (plainRefused.test(first.output)) break;
      const retry = new Push({ linger: 0 });
      sockets.push(retry);
      retry.connect(ringEndpoint);
      for (const message of ringMessages()) void retry.send(message).catch(() => undefined);
    }
    expect(first.output).toMatch(plainRefused);
    await first.waitForOutput(new RegExp(`refused a ring connection from [^:]+: its CURVE key ${escape(stranger.publicKey)} is not among this job's members`), 60_000);

    const second = worker('worker-1');
    processes.push(second);
    expect(await Promise.all([first.exit(240_000), second.exit(240_000)])).toEqual([0, 0]);
    expect(await coordinator.exit(60_000)).toBe(0);
    expect(coordinator.output).toContain('Trained 4 steps with 2 workers (reducer ring)');
    expect(coordinator.output).toContain('Weights identical on all 2 ranks: checksums matched at 2 steps');
    // Nothing either stranger sent reached a worker's decoder: no ring message was refused, none was taken for a chunk.
    expect(first.output + second.output).not.toMatch(/refused a ring message/);
  }, 360_000);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
