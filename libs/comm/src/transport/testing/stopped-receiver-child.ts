/**
 * Child process of awake-timeout.spec.ts: a CoordinatorSocket that the
 * parent stops (SIGSTOP) during a timed receive and sends to while it is
 * stopped. Prints its endpoint, `ready` after the first message (the
 * connection is up), then `received` or `timed out` for the timed receive.
 * Run with `node --import tsx` and the workspace's TSX_TSCONFIG_PATH.
 *
 * argv: timeoutMs of the timed receive.
 */
import { CoordinatorSocket } from '../coordinator-socket';
import { WaitTimeoutError } from '../transport-errors';

async function main(): Promise<void> {
  const timeoutMs = Number(process.argv[2]);
  const socket = await CoordinatorSocket.bind({ endpoint: 'tcp://127.0.0.1:*' });
  try {
    process.stdout.write(`${socket.endpoint}\n`);
    await socket.receive({ timeoutMs: 30_000 });
    process.stdout.write('ready\n');
    try {
      await socket.receive({ timeoutMs });
      process.stdout.write('received\n');
    } catch (error) {
      if (!(error instanceof WaitTimeoutError)) throw error;
      process.stdout.write('timed out\n');
    }
  } finally {
    await socket.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
