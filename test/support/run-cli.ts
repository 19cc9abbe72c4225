import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './repo-root';

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `ganglion` command in a child process, bounded in time. */
export function runGanglion(args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): CliResult {
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'ganglion.js'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 300_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The single run folder created under `outDir/<name>/`. */
export function onlyRunFolder(outDir: string, name: string): string {
  const runs = fs.readdirSync(path.join(outDir, name));
  if (runs.length !== 1) throw new Error(`expected one run under ${outDir}/${name}, found ${runs.join(', ')}`);
  return path.join(outDir, name, runs[0]);
}

/** Parses metrics.jsonl. */
export function readMetrics(runFolder: string): Array<{ step: number; losses: Record<string, number>; stepMs: number }> {
  return fs
    .readFileSync(path.join(runFolder, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}
