import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onlyRunFolder, runGanglion } from './support/run-cli';
import { finalWeightsDifference } from './support/weights-difference';

/**
 * World-size invariance on webgpu (a software GPU in CI: .ci/install-software-gpu.sh):
 * 2 worker processes × 4 samples train like 1 × 8, on tfjs's WebGPU backend.
 * Skipped, with the reason logged, where no WebGPU adapter exists; failed
 * instead where one is expected (GANGLION_EXPECT_WEBGPU=1, set by .ci/run).
 *
 * Tolerance: max over tensors of max|a − b| / max|a| ≤ 1e-4, the same as on
 * WASM (world-size-invariance.spec.ts), for the same reason: the runs differ
 * in float32 rounding only (two half-batch means averaged instead of one
 * full-batch mean; on a GPU also the order of a reduction's partial sums,
 * which is fixed per shader and size, so each run is deterministic), ~1e-7
 * relative per gradient, which Adam's division by sqrt(v) can raise to
 * ~1e-5 on weights whose gradient is near zero. A sharding or weighting bug
 * moves weights by ~lr per step: 1e-2 relative or more. Short (3 steps,
 * batch 8) because a software GPU runs every shader on the CPU.
 */
const probe = runGanglion(['backend', '--backend', 'webgpu', '--json'], { timeoutMs: 120_000 });
const available = probe.status === 0;
const expected = process.env['GANGLION_EXPECT_WEBGPU'] === '1';
const reason = available ? (JSON.parse(probe.stdout.trim().split('\n').at(-1) ?? '{}') as { reason?: string }).reason : probe.stderr.trim().split('\n').at(-1);
if (!available && !expected) console.warn(`webgpu world-size spec skipped: no WebGPU adapter here (${reason})`);

describe('world-size invariance on webgpu with real processes', () => {
  const TOLERANCE = 1e-4;
  let outDir: string;

  beforeAll(() => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-webgpu-invariance-'));
  });

  afterAll(() => {
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  function launch(label: string, extra: string[]): { run: string; stdout: string } {
    const out = path.join(outDir, label);
    const result = runGanglion([
      'launch', 'pipelines/fashion-vae.ts', '--steps', '3', '--batch-size', '8', '--sample-every', '0',
      '--backend', 'webgpu', '--log-format', 'json', '--out', out, ...extra,
    ]);
    if (result.status !== 0) throw new Error(`launch ${extra.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
    return { run: onlyRunFolder(out, 'fashion-vae'), stdout: result.stdout };
  }

  (expected && !available ? it : it.skip)('finds the WebGPU adapter CI installed (GANGLION_EXPECT_WEBGPU=1)', () => {
    throw new Error(`A WebGPU adapter was expected (GANGLION_EXPECT_WEBGPU=1, set by .ci/run) but none came up: ${reason}`);
  });

  (available ? it : it.skip)('fashion-vae: 2 webgpu workers = 1 webgpu worker (started with --gpus 0) at the same global batch', () => {
    // --gpus 0: the worker gets GANGLION_GPU=0 and takes adapter #0 of Dawn's list.
    const one = launch('one', ['--gpus', '0']);
    expect(one.stdout).toMatch(/\[worker 0\] .*"msg":"backend webgpu: requested 'webgpu'; WebGPU on (software )?GPU #0 '/);
    const two = launch('two', ['--workers', '2']);
    // Every worker says which adapter it computes on.
    expect(two.stdout).toMatch(/\[worker 0\] .*"msg":"backend webgpu: requested 'webgpu'; WebGPU on (software )?GPU '/);
    expect(two.stdout).toMatch(/\[worker 1\] .*"msg":"backend webgpu: /);
    const difference = finalWeightsDifference(one.run, two.run);
    console.log(`webgpu 1 worker x 8 vs 2 workers x 4, 3 steps: max relative weight difference ${difference.maxRelative.toExponential(2)} over ${difference.tensors} tensors (${reason})`);
    expect(difference.tensors).toBeGreaterThan(10);
    expect(difference.maxRelative).toBeLessThanOrEqual(TOLERANCE);
  });
});
