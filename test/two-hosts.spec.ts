import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NetnsHosts } from './support/netns-hosts';
import { REPO_ROOT } from './support/repo-root';
import { onlyRunFolder, readMetrics } from './support/run-cli';

interface Finished {
  readonly code: number | null;
  readonly output: string;
}

/** Runs `ganglion <args>` inside a network namespace; resolves when it exits (killed after `timeoutMs`). */
function ganglionIn(prefix: readonly string[], args: readonly string[], timeoutMs = 240_000): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(prefix[0], [...prefix.slice(1), process.execPath, path.join(REPO_ROOT, 'bin', 'ganglion.js'), ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const unavailable = NetnsHosts.unavailableReason();
const describeWithNamespaces = unavailable === null ? describe : describe.skip;
if (unavailable !== null) {
  // Printed so that a skipped run says why in the test log.
  console.warn(`two-hosts test skipped: ${unavailable}`);
}

/**
 * Issue 3, item 7: the coordinator and each worker on its own "host" (a
 * network namespace with its own interface and address), so gradients and
 * control messages really cross interfaces between machines.
 */
describeWithNamespaces('training across hosts (network namespaces joined by a bridge)', () => {
  const hosts = new NetnsHosts(3);
  let outDir: string;

  beforeAll(() => {
    hosts.create();
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-hosts-'));
  });

  afterAll(() => {
    hosts.destroy();
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  it.each(['ring', 'star'] as const)('coordinator on host 0, one worker each on hosts 1 and 2, %s reducer', async (reducer) => {
    const [coordinatorHost, first, second] = hosts.hosts;
    const out = path.join(outDir, reducer);
    const endpoint = `tcp://${coordinatorHost.address}:5555`;
    const receivedBefore = [first, second].map((host) => hosts.receivedBytes(host));

    const worker = (host: (typeof hosts.hosts)[number]) =>
      ganglionIn(hosts.prefix(host), [
        'worker', '--connect', endpoint, '--ring-bind', `tcp://${host.address}:*`, '--backend', 'wasm', '--log-format', 'json',
      ]);
    const coordinator = ganglionIn(hosts.prefix(coordinatorHost), [
      'coordinator', 'pipelines/fashion-vae.ts', '--bind', endpoint, '--workers', '2', '--reducer', reducer,
      '--steps', '4', '--batch-size', '16', '--checksum-every', '2', '--sample-every', '4', '--out', out, '--join-timeout', '120',
    ]);
    const [coordinated, ...workers] = await Promise.all([coordinator, worker(first), worker(second)]);

    if (coordinated.code !== 0) throw new Error(`coordinator exited ${coordinated.code}:\n${coordinated.output}`);
    workers.forEach((w, i) => {
      if (w.code !== 0) throw new Error(`worker on host ${i + 1} exited ${w.code}:\n${w.output}`);
    });
    expect(coordinated.output).toContain('Weights identical on all 2 ranks');
    expect(coordinated.output).toMatch(/not loopback|beyond loopback/i); // the unencrypted-bind warning
    const run = onlyRunFolder(out, 'fashion-vae');
    expect(readMetrics(run).map((m) => m.step)).toEqual([0, 1, 2, 3]);

    // Each worker host received at least its share of the averaged gradients
    // over its own interface: 4 steps x 191,265 floats x 4 bytes x (1/2 for
    // the ring's all-gather, 1 for the star's AVG).
    const gradientBytes = 191_265 * 4;
    [first, second].forEach((host, i) => {
      const received = hosts.receivedBytes(host) - receivedBefore[i];
      expect(received).toBeGreaterThan(4 * gradientBytes * 0.5);
    });
  });
});
