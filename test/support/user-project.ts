import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './repo-root';

/** What a command run in the user's project printed. */
export interface ProjectCommandResult {
  readonly status: number | null;
  readonly output: string;
}

/**
 * A fresh npm project outside the repository that installs Ganglion from
 * its packed tarballs, as a user would: `npm init -y`, `npm install
 * <tarballs> <the user's own dependencies>`. Commands run with a plain
 * environment (no npm_* or tsx variables of the test's own process).
 */
export class UserProject {
  readonly tarballs: readonly string[];

  private constructor(
    readonly folder: string,
    tarballs: readonly string[],
  ) {
    this.tarballs = tarballs;
  }

  /** Packs Ganglion (tools/pack) into `folder/packages` and installs the tarballs plus `extra` packages into `folder/project`. */
  static create(folder: string, extra: readonly string[]): UserProject {
    const packages = path.join(folder, 'packages');
    const packed = execFileSync(path.join(REPO_ROOT, 'node_modules/.bin/tsx'), [path.join(REPO_ROOT, 'tools/pack/pack-packages.ts'), '--out', packages], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 400_000,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const tarballs = packed.trim().split('\n').filter((line) => line.endsWith('.tgz'));
    const project = new UserProject(path.join(folder, 'project'), tarballs);
    fs.mkdirSync(project.folder);
    project.mustRun('npm', ['init', '-y']);
    // --prefer-offline: the npm cache (filled by the repository's own install) serves what it holds.
    project.mustRun('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs, ...extra], 300_000);
    return project;
  }

  /** Runs a command in the project, bounded in time. */
  run(command: string, args: readonly string[], timeoutMs = 180_000): ProjectCommandResult {
    const result = spawnSync(command, args, { cwd: this.folder, env: plainEnv(), encoding: 'utf8', timeout: timeoutMs });
    return { status: result.status, output: `${result.stdout}${result.stderr}${result.error === undefined ? '' : `\n${result.error.message}`}` };
  }

  mustRun(command: string, args: readonly string[], timeoutMs = 180_000): string {
    const result = this.run(command, args, timeoutMs);
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status} in ${this.folder}:\n${result.output.slice(-6000)}`);
    return result.output;
  }

  /** The one run folder under runs/<name>/ of an output folder of the project. */
  runFolder(out: string, name: string): string {
    const runs = fs.readdirSync(path.join(this.folder, out, name));
    if (runs.length !== 1) throw new Error(`expected one run under ${out}/${name}, found ${runs.join(', ')}`);
    return path.join(this.folder, out, name, runs[0]);
  }
}

function plainEnv(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'USER', 'CI'];
  return Object.fromEntries(keep.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]]));
}
