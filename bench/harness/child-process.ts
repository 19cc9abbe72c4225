import { fork, type ChildProcess } from 'node:child_process';
import { withFrameMallocTunables } from '@ganglion/comm';

/** What a benchmark child sends its parent over IPC, once, before it exits. */
export type ChildReply<T> = { readonly kind: 'result'; readonly value: T } | { readonly kind: 'error'; readonly message: string };

/** Options of runChild. */
export interface RunChildOptions {
  /** Arguments after the script path. */
  readonly args: readonly string[];
  /** Kill the child and fail after this many ms. */
  readonly timeoutMs: number;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** Called with the child and each IPC message other than its reply (e.g. a port it listens on). */
  readonly onMessage?: (message: unknown, child: ChildProcess) => void;
  /** Called once the child is forked (to keep a handle, e.g. to kill it when a sibling fails). */
  readonly onSpawn?: (child: ChildProcess) => void;
}

/**
 * Forks `script` (a .ts file, run through the same tsx loader as this
 * process) and resolves with the value it replies with. Its stdout and
 * stderr are kept and quoted when it fails, so the table stays readable.
 */
export function runChild<T>(script: string, options: RunChildOptions): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(script, [...options.args], {
      execArgv: process.execArgv,
      env: withFrameMallocTunables({ ...process.env, ...options.env }), // as `ganglion launch` starts workers
      silent: true,
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    options.onSpawn?.(child);
    let reply: ChildReply<T> | undefined;
    child.on('message', (message: unknown) => {
      if (isReply<T>(message)) reply = message;
      else options.onMessage?.(message, child);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} ${options.args.join(' ')} ran past ${options.timeoutMs} ms and was killed.\n${output}`));
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (reply?.kind === 'result') resolve(reply.value);
      else if (reply?.kind === 'error') reject(new Error(`${script} failed: ${reply.message}`));
      else reject(new Error(`${script} exited (${signal ?? `code ${code}`}) without a result.\n${output}`));
    });
  });
}

function isReply<T>(message: unknown): message is ChildReply<T> {
  const kind = (message as { kind?: unknown } | null)?.kind;
  return kind === 'result' || kind === 'error';
}

/**
 * The child's side: runs `work`, sends its value (or its error) to the
 * parent, and exits.
 */
export function replyToParent<T>(work: () => Promise<T>): void {
  const send = (message: ChildReply<T>) =>
    new Promise<void>((resolve) => {
      if (process.send === undefined) {
        console.log(JSON.stringify(message, null, 2));
        resolve();
      } else {
        process.send(message, () => resolve());
      }
    });
  // Exits explicitly: a socket or timer left behind must not hold the suite up.
  work().then(
    async (value) => {
      await send({ kind: 'result', value });
      process.exit(0);
    },
    async (error: unknown) => {
      await send({ kind: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      process.exit(1);
    },
  );
}

/** Peak resident set size of this process so far, in MiB. */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
