/**
 * Child process of received-frame-scavenger.spec.ts: one RingTransport sends
 * `count` messages of `frameBytes` to another in this process, which takes
 * and drops each, as a ring allreduce's receiving side does. Prints, as
 * JSON, the full and minor GCs V8 ran meanwhile. Run with
 * `node --import tsx` and the workspace's TSX_TSCONFIG_PATH.
 *
 * argv: scavengeEveryBytes, count, frameBytes, takesAhead, read.
 * takesAhead (default 0): each take is asked for that many messages before
 * its message is sent, as the buckets of an allreduce wait for their next
 * rounds. read (default `bytes`): what each take's read returns, `bytes`
 * (the payload's length) or `envelope` (the whole message, so the take's
 * promise holds it).
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import type { Envelope } from '../../protocol/message-codec';
import type { RingChunkHeader } from '../../protocol/messages';
import { RingTransport } from '../../reduce/ring-transport';

async function main(): Promise<void> {
  const [scavengeEveryBytes, count, frameBytes, takesAhead = 0] = process.argv.slice(2, 6).map(Number);
  const keepEnvelopes = process.argv[6] === 'envelope';
  setFlagsFromString('--no-incremental-marking'); // as a worker runs (atomicMarkingForLargeMessages)
  const receiver = await RingTransport.bind({ scavengeEveryBytes });
  const sender = await RingTransport.bind({ scavengeEveryBytes });
  sender.connect({ generation: 1, rank: 0, worldSize: 2, peers: [sender.endpoint, receiver.endpoint] });
  const values = new Float32Array(frameBytes / 4).fill(1);
  const collections = { full: 0, minor: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) collections.full += 1;
      else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) collections.minor += 1;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const takes = new Map<number, Promise<number | Envelope<RingChunkHeader>>>();
  const take = (step: number) => {
    if (step < count && !takes.has(step)) {
      takes.set(step, receiver.take(`1/${step}/0/0/0`, (envelope) => (keepEnvelopes ? envelope : envelope.frames[0].byteLength)));
    }
  };
  for (let step = 0; step < takesAhead; step++) take(step);
  for (let step = 0; step < count; step++) {
    const header = { type: 'RING_CHUNK', generation: 1, step, rank: 0, phase: 0, bucket: 0, round: 0, chunk: 0, weightSum: 1 } as const;
    await sender.send(header, { dtype: 'f32', values: [values] });
    take(step);
    const taken = await takes.get(step);
    takes.delete(step);
    if (takesAhead > 0) take(step + takesAhead);
    const received = typeof taken === 'number' ? taken : taken?.frames[0].byteLength;
    if (received !== frameBytes) throw new Error(`received ${received} bytes, sent ${frameBytes}`);
  }
  await new Promise((resolve) => setTimeout(resolve, 50)); // the observer's last entries
  observer.disconnect();
  await Promise.all([sender.close(), receiver.close()]);
  process.stdout.write(`${JSON.stringify(collections)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
