import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { BackendChoice } from '../backend/backend-choice';

/**
 * Set (to 1) where a WebGPU adapter must exist, such as CI after
 * .ci/install-software-gpu.sh: the webgpu specs then fail instead of
 * skipping when no adapter comes up, so a broken GPU setup cannot hide
 * behind a skip.
 */
export const EXPECT_WEBGPU_ENV = 'GANGLION_EXPECT_WEBGPU';

/** Whether the webgpu specs can run here, and why (not). */
export interface WebGpuTestGate {
  /** An adapter came up (software or hardware). */
  readonly available: boolean;
  /** GANGLION_EXPECT_WEBGPU=1: no adapter is a failure, not a skip. */
  readonly expected: boolean;
  /** The backend's reason (names the adapter), or why it could not start. */
  readonly reason: string;
  /** The choice, when available. */
  readonly choice?: BackendChoice;
}

/**
 * Asks, in a child process, whether `selectBackend({ requested: 'webgpu' })`
 * starts (jest must know before it collects tests whether to skip them, and
 * the probe must not leave a Dawn instance in the test process). Bounded to 60 s.
 */
export function probeWebGpu(env: NodeJS.ProcessEnv = process.env): WebGpuTestGate {
  const expected = env[EXPECT_WEBGPU_ENV] === '1';
  const selectBackendFile = path.join(__dirname, '..', 'backend', 'select-backend.ts');
  const script = `
    require('tsx/cjs/api').register();
    require(${JSON.stringify(selectBackendFile)}).selectBackend({ requested: 'webgpu' }).then(
      (choice) => { process.stdout.write('\\n' + JSON.stringify({ choice }) + '\\n'); process.exit(0); },
      (error) => { process.stdout.write('\\n' + JSON.stringify({ error: String(error && error.message || error) }) + '\\n'); process.exit(0); });`;
  const repoRoot = path.join(__dirname, '..', '..', '..', '..');
  const result = spawnSync(process.execPath, ['-e', script], {
    cwd: repoRoot,
    env: { ...env, TSX_TSCONFIG_PATH: path.join(repoRoot, 'tsconfig.json') },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const last = (result.stdout ?? '').trim().split('\n').at(-1) ?? '';
  let answer: { choice?: BackendChoice; error?: string };
  try {
    answer = JSON.parse(last) as typeof answer;
  } catch {
    answer = { error: `the probe exited ${result.status ?? result.signal}: ${(result.stderr ?? '').trim().split('\n').at(-1) ?? ''}` };
  }
  if (answer.choice !== undefined) return { available: true, expected, reason: answer.choice.reason, choice: answer.choice };
  return { available: false, expected, reason: answer.error ?? 'no answer' };
}
