import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as path from 'node:path';

/** The workspace's tsconfig, which tsx needs for the @ganglion/* paths. */
const WORKSPACE_TSCONFIG = path.join(__dirname, '..', '..', '..', '..', '..', 'tsconfig.json');

/** node's arguments and environment to run a TypeScript file of this workspace through tsx. */
export function tsChildCommand(file: string, args: readonly string[] = []): { args: string[]; env: NodeJS.ProcessEnv } {
  return { args: ['--import', 'tsx', file, ...args], env: { ...process.env, TSX_TSCONFIG_PATH: WORKSPACE_TSCONFIG } };
}

/** A TypeScript child process (a spec's other end) whose stdout the spec reads line by line. */
export class TsChild {
  private stdout = '';
  private stderr = '';
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly watchers = new Set<() => void>();
  /** Its exit code once it closed. */
  readonly exited: Promise<number | null>;

  constructor(file: string, args: readonly string[] = []) {
    const command = tsChildCommand(file, args);
    this.child = spawn(process.execPath, command.args, { env: command.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      for (const watcher of this.watchers) watcher();
    });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('close', resolve));
  }

  /** The complete lines it printed so far. */
  get lines(): string[] {
    return this.stdout.split('\n').slice(0, -1);
  }

  /** The first printed line that passes `test`; rejects when the child exits first or after `timeoutMs`. */
  waitForLine(test: (line: string) => boolean, timeoutMs = 30_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const done = (settle: () => void): void => {
        this.watchers.delete(check);
        clearTimeout(timer);
        settle();
      };
      const check = (): void => {
        const line = this.lines.find(test);
        if (line !== undefined) done(() => resolve(line));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no such line from the child within ${timeoutMs} ms: ${this.stdout}${this.stderr}`))), timeoutMs);
      void this.exited.then(() => done(() => reject(new Error(`the child exited without printing such a line: ${this.stdout}${this.stderr}`))));
      this.watchers.add(check);
      check();
    });
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}
