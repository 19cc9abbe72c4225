/**
 * Child process of heartbeat-options.spec.ts: a WorkerSocket that the
 * parent stops (SIGSTOP) and resumes. Sends a HELLO, prints `disconnected`
 * whenever its connection to the coordinator drops, and `received TYPE` for
 * each message, until a SHUTDOWN. Run with `node --import tsx` and the
 * workspace's TSX_TSCONFIG_PATH.
 *
 * argv: the coordinator's endpoint.
 */
import { testHello } from '../../reduce/testing/test-hello';
import { WorkerSocket } from '../worker-socket';

async function main(): Promise<void> {
  const socket = WorkerSocket.connect({ endpoint: process.argv[2], workerId: 'stopped' });
  try {
    socket.onDisconnect(() => process.stdout.write('disconnected\n'));
    await socket.send(testHello('stopped'));
    for (let i = 0; i < 1000; i++) {
      const message = await socket.receive({ timeoutMs: 60_000 });
      const type = message.ok ? message.envelope.header.type : `invalid ${message.error.code}`;
      process.stdout.write(`received ${type}\n`);
      if (type === 'SHUTDOWN') return;
    }
  } finally {
    await socket.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
