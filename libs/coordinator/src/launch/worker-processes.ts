import { type ChildProcess, spawn } from 'node:child_process';
import * as readline from 'node:readline';

/** One local worker process to start. */
export interface WorkerProcessSpec {
  /** Local index, shown as the `[worker i]` prefix of its output. */
  readonly index: number;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

/** How a worker process ended. */
export interface WorkerExit {
  readonly index: number;
  readonly pid: number | undefined;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Where the workers' prefixed output goes. */
export interface OutputStreams {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/**
 * Local worker processes, like torchrun's: started with their own
 * environment, their output forwarded line by line with a `[worker i]`
 * prefix, their exits reported, and stopped together.
 */
export class WorkerProcesses {
  private readonly children = new Map<number, ChildProcess>();
  private readonly exits = new Map<number, Promise<WorkerExit>>();
  private readonly listeners: Array<(exit: WorkerExit) => void> = [];

  constructor(private readonly output: OutputStreams) {}

  start(spec: WorkerProcessSpec): void {
    const child = spawn(spec.command, [...spec.args], { env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const prefix = `[worker ${spec.index}] `;
    this.children.set(spec.index, child);
    const streams = [
      [child.stdout, this.output.stdout],
      [child.stderr, this.output.stderr],
    ] as const;
    const closed = streams.map(
      ([from, to]) =>
        new Promise<void>((resolve) => {
          const lines = readline.createInterface({ input: from, crlfDelay: Infinity });
          lines.on('line', (line) => to.write(prefix + line + '\n'));
          lines.on('close', resolve);
        }),
    );
    const exit = new Promise<WorkerExit>((resolve) => {
      let ended: WorkerExit | undefined;
      child.on('error', (error) => {
        this.output.stderr.write(`${prefix}could not start ${spec.command}: ${error.message}\n`);
        ended ??= { index: spec.index, pid: child.pid, code: 127, signal: null };
        resolve(ended);
      });
      child.on('exit', (code, signal) => {
        ended ??= { index: spec.index, pid: child.pid, code, signal };
        // Report the exit once its last lines are out.
        void Promise.all(closed).then(() => resolve(ended as WorkerExit));
      });
    });
    this.exits.set(spec.index, exit);
    void exit.then((ended) => {
      for (const listener of this.listeners) listener(ended);
    });
  }

  /** Calls `listener` as each worker exits. */
  onExit(listener: (exit: WorkerExit) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves with every exit, or undefined when some worker is still running after `timeoutMs`. */
  async waitAll(timeoutMs: number): Promise<WorkerExit[] | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    try {
      return await Promise.race([Promise.all(this.exits.values()), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `signal` to every worker still running. */
  killAll(signal: NodeJS.Signals): void {
    for (const child of this.children.values()) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    }
  }

  /**
   * Lets workers that were told to shut down exit by themselves for
   * `graceMs`, then SIGTERM, then SIGKILL 5 s later.
   */
  async stopAll(graceMs: number): Promise<WorkerExit[]> {
    const exits = await this.waitAll(graceMs);
    if (exits !== undefined) return exits;
    this.killAll('SIGTERM');
    const afterTerm = await this.waitAll(5000);
    if (afterTerm !== undefined) return afterTerm;
    this.killAll('SIGKILL');
    return (await this.waitAll(5000)) ?? [];
  }
}
