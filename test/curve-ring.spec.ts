import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Push, curveKeyPair } from 'zeromq';
import { encodeMessage } from '@ganglion/comm';
import { GanglionProcess } from './support/ganglion-process';
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
 * CURVE on the ring with real processes: `ganglion keygen --workers 2`
 * and one `ganglion launch --curve-keys` command train a 2-worker ring
 * job to matching checksums while raw ZeroMQ sockets, one with a key
 * outside the job and one without CURVE, try to send into a worker's ring
 * socket: nothing of theirs gets through, and the worker logs each
 * refused connection.
 */
describe('CURVE on the ring between workers', () => {
  let dir: string;
  const sockets: Push[] = [];

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-curve-ring-'));
  });

  afterAll(() => {
    for (const socket of sockets) socket.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('trains a 2-worker ring job with keys to matching checksums and keeps strangers off the ring', async () => {
    const keys = path.join(dir, 'keys');
    const keygen = runGanglion(['keygen', '--out', keys, '--workers', '2']);
    expect(keygen.status).toBe(0);
    expect(keygen.stdout).toMatch(/^coordinator \S{40}\nworker-0 \S{40}\nworker-1 \S{40}\n$/);
    for (const file of ['coordinator.key', 'workers/worker-0.key', 'workers/worker-1.key']) {
      expect(fs.statSync(path.join(keys, file)).mode & 0o777).toBe(0o600);
    }

    const launch = GanglionProcess.start([
      'launch', 'pipelines/fashion-vae.ts', '--workers', '2', '--reducer', 'ring', '--curve-keys', keys, '--backend', 'wasm',
      '--steps', '120', '--batch-size', '8', '--sample-every', '0', '--log-every', '40', '--checksum-every', '30',
      '--progress', 'lines', '--join-timeout', '240', '--out', path.join(dir, 'runs'),
    ]);
    try {
      await launch.waitForOutput(/\[worker 0\] .*ring socket bound at tcp:\/\/\S+ \(CURVE/, 120_000);
      const ringEndpoint = (/\[worker 0\] .*ring socket bound at (tcp:\/\/\S+) \(CURVE/.exec(launch.output) as RegExpExecArray)[1];
      expect(launch.output).toMatch(/CURVE on: .*ring sockets between workers are CURVE too/);
      expect(launch.output).not.toMatch(/forced to star/);

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

      await launch.waitForOutput(/\[worker 0\] .*refused a ring connection at tcp:\S+: \(no CURVE handshake/, 60_000);
      const strangerRefused = new RegExp(`\\[worker 0\\] .*refused a ring connection from [^:]+: its CURVE key ${escape(stranger.publicKey)} is not among this job's members`);
      await launch.waitForOutput(strangerRefused, 60_000);

      expect(await launch.exit(300_000)).toBe(0);
      expect(launch.output).toContain('Trained 120 steps with 2 workers (reducer ring)');
      expect(launch.output).toMatch(/Weights identical on all 2 ranks: checksums matched at \d+ steps/);
      // Nothing either stranger sent reached a worker's decoder: no ring message was refused, none was taken for a chunk.
      expect(launch.output).not.toMatch(/refused a ring message/);
    } finally {
      launch.kill();
    }
  }, 420_000);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
