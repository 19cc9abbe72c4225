import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What one run of PyTorch DDP's anchor script reports (its last stdout line, JSON). */
export interface DdpAnchorResult {
  readonly samples_per_sec: number;
  readonly ms_per_step_median: number;
  /** Share of the cores other processes used during the timed loop; above ~0.03 the figure is contaminated. */
  readonly foreign_cpu_frac?: number;
}

/** Where the anchor is and the Python that runs it, or why it cannot run here. */
export type DdpAnchor = { readonly available: true; readonly script: string; readonly python: string } | { readonly available: false; readonly why: string };

/**
 * Finds `ddp_anchor.py` (GANGLION_DDP_ANCHOR, else ../shared/anchors/ beside
 * the checkout) and checks that /usr/bin/python3 imports torch (Debian's
 * python3-torch; the PATH python may have none).
 */
export function findDdpAnchor(repoRoot: string): DdpAnchor {
  const script = process.env.GANGLION_DDP_ANCHOR ?? join(resolve(repoRoot, '..'), 'shared', 'anchors', 'ddp_anchor.py');
  if (!existsSync(script)) return { available: false, why: `no DDP anchor at ${script} (set GANGLION_DDP_ANCHOR to its path)` };
  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8', timeout: 120_000 });
  if (probe.status !== 0) return { available: false, why: `${python} cannot import torch: apt-get install -y python3-torch (${(probe.stderr ?? '').trim().split('\n').pop()})` };
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
