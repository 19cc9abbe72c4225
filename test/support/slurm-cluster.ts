import { spawnSync } from 'node:child_process';

/** Whether a Slurm cluster answers on this machine, and if not, why. */
export interface SlurmAvailability {
  readonly up: boolean;
  /** Why it is not up (for the skip message), or the node's state when it is. */
  readonly detail: string;
}

/** Final states of a job as `scontrol show job` reports them. */
const FINISHED = /^(COMPLETED|CANCELLED|FAILED|TIMEOUT|NODE_FAIL|PREEMPTED|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE)/;

/** Asks `sinfo` for a node that takes jobs (bounded: 10 s). */
export function slurmAvailability(): SlurmAvailability {
  const sinfo = spawnSync('sinfo', ['--noheader', '--format=%n %t'], { encoding: 'utf8', timeout: 10_000 });
  if (sinfo.error !== undefined) return { up: false, detail: `sinfo cannot run (${sinfo.error.message}): Slurm is not installed` };
  if (sinfo.status !== 0) return { up: false, detail: `sinfo exited ${sinfo.status}: ${sinfo.stderr.trim() || 'slurmctld does not answer'}` };
  const usable = sinfo.stdout.split('\n').find((line) => /\s(idle|mix|alloc)/.test(line));
  if (usable === undefined) return { up: false, detail: `no node takes jobs: ${sinfo.stdout.trim() || 'no nodes'}` };
  return { up: true, detail: usable.trim() };
}

/** Jobs submitted with `sbatch`, watched with `scontrol`, stopped with `scancel`. */
export class SlurmJobs {
  /** Submits a batch script; returns the job id. */
  submit(script: string, sbatchOptions: readonly string[], scriptArgs: readonly string[], cwd: string, env: NodeJS.ProcessEnv): string {
    const result = spawnSync('sbatch', ['--parsable', ...sbatchOptions, script, ...scriptArgs], { cwd, env, encoding: 'utf8', timeout: 30_000 });
    if (result.status !== 0) throw new Error(`sbatch failed (${result.status}): ${result.stderr}`);
    return result.stdout.trim().split(';')[0];
  }

  /** The job's state (`RUNNING`, `COMPLETED`, `CANCELLED`, ...). */
  state(jobId: string): string {
    const result = spawnSync('scontrol', ['show', 'job', '--oneliner', jobId], { encoding: 'utf8', timeout: 10_000 });
    return /JobState=(\S+)/.exec(result.stdout)?.[1] ?? 'UNKNOWN';
  }

  /** Waits until the job has finished (polls every 500 ms, up to `timeoutMs`); returns its final state and exit code. */
  async finished(jobId: string, timeoutMs: number): Promise<{ state: string; exitCode: string }> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const state = this.state(jobId);
      if (FINISHED.test(state)) {
        const shown = spawnSync('scontrol', ['show', 'job', '--oneliner', jobId], { encoding: 'utf8', timeout: 10_000 }).stdout;
        return { state, exitCode: /ExitCode=(\S+)/.exec(shown)?.[1] ?? '?' };
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    this.cancel(jobId);
    throw new Error(`Slurm job ${jobId} did not finish within ${timeoutMs / 1000} s (state ${this.state(jobId)}); cancelled it.`);
  }

  /** Polls `condition` every 250 ms until it holds (up to `timeoutMs`), failing early when the job finishes first. */
  async until(jobId: string, what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (condition()) return;
      const state = this.state(jobId);
      if (FINISHED.test(state)) throw new Error(`Slurm job ${jobId} ended (${state}) before ${what}.`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`Slurm job ${jobId}: no ${what} within ${timeoutMs / 1000} s.`);
  }

  /** `scancel` (SIGTERM to every task, SIGKILL after KillWait). */
  cancel(jobId: string): void {
    spawnSync('scancel', [jobId], { timeout: 10_000 });
  }
}
