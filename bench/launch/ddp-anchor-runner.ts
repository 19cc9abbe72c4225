import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What one run of PyTorch DDP's anchor script reports (its last stdout line, JSON). */
export interface DdpAnchorResult {
  readonly samples_per_sec: number;
  readonly ms_per_step_median: number;
  /** Share of the cores other processes used during the timed loop; above ~0.03 the figure is contaminated. */
  readonly foreign_cpu_frac?: number;
  /** Cores the anchor's own worker processes used during the timed loop (about 1 per worker at 1 thread each). */
  readonly own_cpu_util?: number;
}

/** Where the anchor is and the Python that runs it, or why it cannot run here. */
export type DdpAnchor = { readonly available: true; readonly script: string; readonly python: string } | { readonly available: false; readonly why: string };

/** Python that imports torch, runs one matrix product, and prints the BLAS libraries the process then has mapped (Linux). */
const PROBE_TORCH_BLAS = [
  'import torch',
  'torch.ones(64, 64) @ torch.ones(64, 64)',
  'try:',
  "    print('\\n'.join(sorted({line.split()[-1] for line in open('/proc/self/maps') if 'blas' in line.lower()})))",
  'except OSError:',
  '    pass',
].join('\n');

/**
 * Why torch's BLAS makes the anchor's figures incomparable, or undefined:
 * Debian's python3-torch falls back to the reference BLAS (libblas3) when
 * no optimized one is installed, and then runs its steps about 2.4x slower
 * (ConvVAE 113 against 47 ms a step here), a different compute-to-
 * communication ratio from the anchor's own figures (libopenblas0-openmp).
 */
export function referenceBlasProblem(mappedLibraries: readonly string[]): string | undefined {
  const reference = mappedLibraries.some((library) => /\/blas\/libblas\.so/.test(library));
  const optimized = mappedLibraries.some((library) => /openblas|mkl|blis|atlas/i.test(library));
  return reference && !optimized
    ? 'torch runs on the reference BLAS (libblas3), about 2.4x slower than the anchor was measured with: apt-get install -y libopenblas0-openmp'
    : undefined;
}

/**
 * Finds `ddp_anchor.py` (GANGLION_DDP_ANCHOR, else ../shared/anchors/ beside
 * the checkout) and checks that /usr/bin/python3 imports torch (Debian's
 * python3-torch; the PATH python may have none) with an optimized BLAS.
 */
export function findDdpAnchor(repoRoot: string): DdpAnchor {
  const script = process.env.GANGLION_DDP_ANCHOR ?? join(resolve(repoRoot, '..'), 'shared', 'anchors', 'ddp_anchor.py');
  if (!existsSync(script)) return { available: false, why: `no DDP anchor at ${script} (set GANGLION_DDP_ANCHOR to its path)` };
  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', PROBE_TORCH_BLAS], { encoding: 'utf8', timeout: 120_000 });
  if (probe.status !== 0) {
    return { available: false, why: `${python} cannot import torch: apt-get install -y python3-torch libopenblas0-openmp (${(probe.stderr ?? '').trim().split('\n').pop()})` };
  }
  const blasProblem = referenceBlasProblem((probe.stdout ?? '').split('\n').filter((line) => line !== ''));
  if (blasProblem !== undefined) return { available: false, why: blasProblem };
  return { available: true, script, python };
}

/** Runs the anchor for one model and world size (1 thread per worker, `batch` images per worker) and resolves with its JSON line. */
export function runDdpAnchor(
  anchor: { readonly script: string; readonly python: string },
  run: {
    readonly model: 'gan' | 'vae' | 'rnn';
    readonly worldSize: number;
    readonly batch: number;
    readonly steps: number;
    /** Untimed steps before them (the anchor's default is 5). */
    readonly warmup?: number;
    readonly timeoutMs: number;
  },
): Promise<DdpAnchorResult> {
  const args = [anchor.script, '--model', run.model, '--world-size', String(run.worldSize), '--threads', '1', '--steps', String(run.steps), '--batch', String(run.batch)];
  if (run.warmup !== undefined) args.push('--warmup', String(run.warmup));
  return new Promise((resolvePromise, reject) => {
    const child = spawn(anchor.python, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, run.timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) {
        reject(new Error(`${anchor.python} ${args.join(' ')} ended with ${signal ?? `code ${code}`}:\n${stderr}`));
        return;
      }
      resolvePromise(JSON.parse(last) as DdpAnchorResult);
    });
  });
}
