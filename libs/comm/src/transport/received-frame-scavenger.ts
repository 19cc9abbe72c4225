import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Default of the sockets' `scavengeEveryBytes`: a minor GC after every 8 MiB received. */
export const DEFAULT_SCAVENGE_EVERY_BYTES = 8 * 1024 * 1024;

/** The receiving sockets' option (RingTransport, WorkerSocket, CoordinatorSocket). */
export interface ScavengeOptions {
  /**
   * A scavenge (V8's minor GC) after every this many bytes received, so that
   * dropped frames are freed before V8's external-memory limit brings on a
   * full GC (see ReceivedFrameScavenger). Default 8 MiB
   * (DEFAULT_SCAVENGE_EVERY_BYTES); 0 turns it off.
   */
  readonly scavengeEveryBytes?: number;
}

/**
 * A scavenge (V8's minor GC) on demand: sets --expose-gc in this process
 * (it only exposes `gc` to contexts created from now on) and takes `gc`
 * from a fresh context. The main context gets no `gc` global.
 */
export function minorGarbageCollection(setFlags: (flags: string) => void = setFlagsFromString): () => void {
  setFlags('--expose-gc');
  const gc = runInNewContext('gc') as (options: { type: 'minor' }) => void;
  return () => gc({ type: 'minor' });
}

/**
 * Runs a scavenge after every `everyBytes` of received frames, so that
 * frames received and already dropped are freed before they bring on a
 * full garbage collection.
 *
 * Why: zeromq.js hands each received frame over 128 bytes to JavaScript as
 * an external Buffer, and V8 counts it twice against a limit of 64 MiB
 * above what the last Mark-Compact left (zeromq.js's own
 * AdjustExternalMemory, and V8's ArrayBuffer accounting). Only a GC frees
 * the frame, and with V8's concurrent ArrayBuffer sweeping the accounting
 * is settled one GC later. A process that receives megabytes while it
 * allocates little on its JavaScript heap (a ring allreduce of a large
 * vector) runs no scavenge in between, so every ~64 MiB received it pays a
 * Mark-Compact of its whole heap for "external memory pressure": 12-20 ms
 * every 8 allreduces of 4 MiB between two processes here, 47 of them in 200
 * calls. A scavenge of a heap whose young objects are mostly dead costs
 * ~0.5 ms; one every 8 MiB left none of those Mark-Compacts (libs/comm
 * README, "External memory and scavenges"). A scavenge frees only frames
 * nothing old points at: a frame held through two scavenges is promoted,
 * and so is one an old object (a long-waiting promise, say) was pointing
 * at. So receivers hand frames to synchronous readers (Mailbox.take) and
 * send nothing from received memory.
 *
 * One per receiving socket (the counts are the socket's own); the
 * collection is the process's.
 */
export class ReceivedFrameScavenger {
  private receivedSinceLast = 0;
  private collect: (() => void) | undefined;

  /**
   * @param everyBytes received bytes between two scavenges; 0 turns them off
   * @param collector runs one scavenge; default minorGarbageCollection(), made when first needed
   */
  constructor(
    private readonly everyBytes: number = DEFAULT_SCAVENGE_EVERY_BYTES,
    collector?: () => void,
  ) {
    if (!(Number.isFinite(everyBytes) && everyBytes >= 0)) {
      throw new RangeError(`scavengeEveryBytes must be a number of bytes >= 0 (0 turns forced scavenges off), got ${everyBytes}.`);
    }
    this.collect = collector;
  }

  /** Counts one received message; runs a scavenge when `everyBytes` have arrived since the last one. */
  received(frames: readonly Uint8Array[]): void {
    if (this.everyBytes === 0) return;
    for (const frame of frames) this.receivedSinceLast += frame.byteLength;
    if (this.receivedSinceLast < this.everyBytes) return;
    this.receivedSinceLast = 0;
    this.collect ??= minorGarbageCollection();
    this.collect();
  }
}
