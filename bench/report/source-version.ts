import { spawnSync } from 'node:child_process';

/** Which code a run measured. */
export interface SourceVersion {
  /** `git rev-parse HEAD`, or undefined outside a git checkout. */
  readonly commit: string | undefined;
  /** True when tracked files differ from the commit (the figures then belong to no commit exactly). */
  readonly uncommittedChanges: boolean | undefined;
}

/** Reads the checkout's commit and whether it has uncommitted changes. */
export function sourceVersion(repoRoot: string): SourceVersion {
  const git = (...args: string[]) => spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8', timeout: 10_000 });
  const head = git('rev-parse', 'HEAD');
  if (head.status !== 0) return { commit: undefined, uncommittedChanges: undefined };
  const status = git('status', '--porcelain', '--untracked-files=no');
  return { commit: head.stdout.trim(), uncommittedChanges: status.status === 0 ? status.stdout.trim() !== '' : undefined };
}
