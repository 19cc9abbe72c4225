import { type ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { REPO_ROOT } from './repo-root';

/** A `ganglion` command running in the background, for tests that talk to it while it runs. */
export class GanglionProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private readonly watchers: Array<() => void> = [];

  private constructor(args: readonly string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'ganglion.js'), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.notify();
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.notify();
    });
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => this.notify());
  }

  static start(args: readonly string[], env: NodeJS.ProcessEnv = {}): GanglionProcess {
    return new GanglionProcess(args, env);
  }

  get output(): string {
    return this.stdout + this.stderr;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once the output matches `pattern`; rejects when the process ends first or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Timed out waiting for ${pattern} in:\n${this.output}`)), timeoutMs);
      const check = (): boolean => {
        if (pattern.test(this.output)) {
          clearTimeout(timer);
          resolve();
          return true;
        }
        if (!this.running) {
          clearTimeout(timer);
          reject(new Error(`The process ended before printing ${pattern}:\n${this.output}`));
          return true;
        }
        return false;
      };
      if (check()) return;
      const watcher = (): void => {
        if (check()) this.watchers.splice(this.watchers.indexOf(watcher), 1);
      };
      this.watchers.push(watcher);
    });
  }

  /** Waits for the exit; kills the process when it runs past `timeoutMs`. */
  async exit(timeoutMs = 300_000): Promise<number | null> {
    const timer = setTimeout(() => this.kill(), timeoutMs);
    try {
      return (await this.exited).code;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }

  /** Stops the process (SIGSTOP): a hang, as its peers see it. */
  pause(): void {
    if (this.running) this.child.kill('SIGSTOP');
  }

  /** Lets a paused process go on (SIGCONT). */
  resume(): void {
    if (this.running) this.child.kill('SIGCONT');
  }

  /** The process id, for logs. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  private notify(): void {
    for (const watcher of [...this.watchers]) watcher();
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
