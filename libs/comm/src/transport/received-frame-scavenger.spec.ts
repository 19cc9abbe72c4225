import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { DEFAULT_SCAVENGE_EVERY_BYTES, minorGarbageCollection, ReceivedFrameScavenger } from './received-frame-scavenger';
import { tsChildCommand } from './testing/ts-child';

const MiB = 1024 * 1024;
const frames = (...sizes: number[]): Uint8Array[] => sizes.map((size) => new Uint8Array(size));

describe('ReceivedFrameScavenger', () => {
  it('collects once every `everyBytes` received, counting every frame of a message', () => {
    let collections = 0;
    const scavenger = new ReceivedFrameScavenger(4 * MiB, () => (collections += 1));
    scavenger.received(frames(100, 3 * MiB)); // header and payload
    expect(collections).toBe(0);
    scavenger.received(frames(100, MiB));
    expect(collections).toBe(1);
    scavenger.received(frames(3 * MiB));
    expect(collections).toBe(1);
    scavenger.received(frames(MiB));
    expect(collections).toBe(2);
  });

  it('does nothing with 0, and refuses a threshold that is not a byte count', () => {
    let collections = 0;
    const off = new ReceivedFrameScavenger(0, () => (collections += 1));
    off.received(frames(64 * MiB));
    expect(collections).toBe(0);
    expect(() => new ReceivedFrameScavenger(-1)).toThrow(/scavengeEveryBytes must be a number of bytes >= 0/);
    expect(() => new ReceivedFrameScavenger(Number.NaN)).toThrow(RangeError);
    expect(DEFAULT_SCAVENGE_EVERY_BYTES).toBe(8 * MiB);
  });

  it('minorGarbageCollection runs a real scavenge', async () => {
    const flags: string[] = [];
    const collect = minorGarbageCollection((flag) => {
      flags.push(flag);
      setFlagsFromString(flag);
    });
    expect(flags).toEqual(['--expose-gc']);
    const kinds: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) kinds.push((entry as unknown as { detail: { kind: number } }).detail.kind);
    });
    observer.observe({ entryTypes: ['gc'] });
    try {
      expect(() => collect()).not.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 100)); // gc entries are delivered asynchronously
      expect(kinds).toContain(constants.NODE_PERFORMANCE_GC_MINOR);
    } finally {
      observer.disconnect();
    }
  });
});

describe('a RingTransport receiving megabyte frames (real sockets, its own process)', () => {
  const child = path.join(__dirname, 'testing', 'receive-frames-child.ts');
  const run = (scavengeEveryBytes: number, takesAhead = 0, read: 'bytes' | 'envelope' = 'bytes'): { full: number; minor: number } => {
    const args = [String(scavengeEveryBytes), '150', String(2 * MiB), String(takesAhead), read];
    const command = tsChildCommand(child, args);
    const result = spawnSync(process.execPath, command.args, {
      env: command.env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (result.status !== 0) throw new Error(`receive-frames-child failed (${result.status ?? result.signal}): ${result.stderr}`);
    return JSON.parse(result.stdout) as { full: number; minor: number };
  };

  it('frees dropped frames at scavenges instead of full collections for external memory', () => {
    // 150 frames of 2 MiB: 600 MiB of external memory as V8 counts it, a full GC per 64 MiB without scavenges.
    const without = run(0);
    const paced = run(DEFAULT_SCAVENGE_EVERY_BYTES);
    expect(without.full).toBeGreaterThanOrEqual(4); // 9 here
    expect(paced.full).toBeLessThanOrEqual(2); // 1 here
    expect(paced.minor).toBeGreaterThanOrEqual(30); // one per 4 frames
  });

  it('keeps frames young when takes wait long before their message arrives (no promise holds a frame)', () => {
    // Each take asked 16 messages (32 MiB, 4 scavenges) ahead, so its promise is old when its message comes.
    // A promise resolved with the message would hold its frame through every scavenge until a full GC.
    const readOut = run(DEFAULT_SCAVENGE_EVERY_BYTES, 16, 'bytes');
    const heldByPromise = run(DEFAULT_SCAVENGE_EVERY_BYTES, 16, 'envelope');
    expect(heldByPromise.full).toBeGreaterThanOrEqual(4); // 10 here
    expect(readOut.full).toBeLessThanOrEqual(2); // 1 here
  });
});
