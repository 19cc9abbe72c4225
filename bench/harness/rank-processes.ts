import type { ChildProcess } from 'node:child_process';
import { runChild } from './child-process';

/** IPC at the end of a multi-rank measurement: a rank says it is done, and closes its sockets only once the parent releases every rank. */
export type RankDoneMessage = { readonly kind: 'done' } | { readonly kind: 'release' };

/**
 * The parent's side: forks one `script` per request (the request as its
 * JSON argument) and resolves with every rank's reply, in rank order. Once
 * every rank has said it is done (allRanksDone), all are released together.
 * If one fails, the others are killed, so a failure costs one case, not the
 * suite. Other IPC messages go to `onMessage` (e.g. where a rank listens).
 */
export async function runRankProcesses<T>(
  script: string,
  requests: readonly unknown[],
  timeoutMs: number,
  onMessage?: (message: unknown, child: ChildProcess) => void,
): Promise<T[]> {
  const children: ChildProcess[] = [];
  let done = 0;
  const onRankMessage = (message: unknown, child: ChildProcess) => {
    if ((message as RankDoneMessage | undefined)?.kind !== 'done') return onMessage?.(message, child);
    done += 1;
    if (done === requests.length) for (const rank of children) rank.send({ kind: 'release' } satisfies RankDoneMessage);
  };
  const all = requests.map((request) =>
    runChild<T>(script, { args: [JSON.stringify(request)], timeoutMs, onSpawn: (child) => children.push(child), onMessage: onRankMessage }),
  );
  try {
    return await Promise.all(all);
  } catch (error) {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.allSettled(all);
    throw error;
  }
}

/**
 * The rank's side: waits until every rank has finished its runs. A rank
 * that closed and exited as soon as its own last call resolved could take
 * with it a frame its neighbour still needs (a sent frame is only queued:
 * ZeroMQ's linger does not outlive process.exit); at 40 MiB that stalled
 * the neighbour until the case's timeout.
 */
export function allRanksDone(): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (message: RankDoneMessage) => {
      if (message.kind === 'release') {
        process.off('message', onMessage);
        resolve();
      }
    };
    process.on('message', onMessage);
    process.send?.({ kind: 'done' } satisfies RankDoneMessage);
  });
}
