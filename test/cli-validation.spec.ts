import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runGanglion } from './support/run-cli';

/**
 * Messages that must not mislead (issue 11): endpoints checked before they
 * reach ZeroMQ (port 70000 once bound 4464), `--version`, a secret key
 * file anyone can read, and `--gpus` on a machine with no GPU backend.
 */
describe('validation and messages of the ganglion command', () => {
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-cli-'));
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // Each start of the command costs seconds: the other malformed endpoints are covered by libs/comm's check-endpoint.spec.
  it.each([
    [['coordinator', 'pipelines/fashion-vae.ts', '--workers', '1', '--bind', 'tcp://127.0.0.1:70000'], "option '--bind <endpoint>' argument 'tcp://127.0.0.1:70000' is invalid", 'port "70000" is not a TCP port from 1 to 65535'],
    [['worker', '--connect', 'tcp://127.0.0.1:70000'], "option '--connect <endpoint>' argument 'tcp://127.0.0.1:70000' is invalid", 'port "70000" is not a TCP port'],
    [['worker', '--connect', 'tcp://127.0.0.1:5555', '--ring-bind', 'tcp://127.0.0.1:99999'], "option '--ring-bind <endpoint>'", 'port "99999" is not a TCP port'],
  ])('refuses %j naming the flag', (args, flag, problem) => {
    const result = runGanglion(args, { timeoutMs: 60_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(flag);
    expect(result.stderr).toContain(problem);
  });

  it('ganglion --version prints the version', () => {
    const result = runGanglion(['--version'], { timeoutMs: 60_000 });
    const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it('warns like ssh when a secret key file is readable by others, naming the file and the chmod', () => {
    const keys = path.join(dir, 'keys');
    expect(runGanglion(['keygen', '--out', keys, '--workers', '1'], { timeoutMs: 60_000 }).status).toBe(0);
    const secret = path.join(keys, 'coordinator.key');
    expect(fs.statSync(secret).mode & 0o777).toBe(0o600);
    fs.chmodSync(secret, 0o644);
    const result = runGanglion(
      ['coordinator', 'pipelines/fashion-vae.ts', '--workers', '1', '--bind', 'tcp://127.0.0.1:*', '--curve-secret', secret, '--allow', path.join(keys, 'workers'), '--join-timeout', '1', '--out', path.join(dir, 'runs')],
      { timeoutMs: 120_000 },
    );
    expect(result.stderr).toContain(`WARNING: UNPROTECTED SECRET KEY FILE: ${secret} has permissions 0644`);
    expect(result.stderr).toContain(`chmod 600 ${secret}`);
  });

  it('launch --gpus on a machine without a GPU backend warns loudly and says which backend trains', () => {
    const result = runGanglion(['launch', 'pipelines/fashion-vae.ts', '--gpus', '0', '--steps', '1', '--batch-size', '8', '--sample-every', '0', '--out', path.join(dir, 'gpus')], { timeoutMs: 240_000 });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/NO GPU BACKEND: this worker was given GPU 0 \(e\.g\. by launch --gpus\) but trains on (wasm|cpu|webgpu on a software GPU)/);
  });
});
