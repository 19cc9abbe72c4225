import { setFlagsFromString } from 'node:v8';

/** Set to 1 to keep V8's incremental marking in workers and coordinators (see atomicMarkingForLargeMessages). */
export const INCREMENTAL_MARKING_ENV = 'GANGLION_INCREMENTAL_MARKING';

/**
 * Turns V8's incremental marking off in a process that receives large
 * ZeroMQ messages (a worker, a coordinator), unless GANGLION_INCREMENTAL_MARKING=1.
 *
 * Why: zeromq.js hands every received frame over 128 bytes to JavaScript as
 * an external Buffer and reports its size to V8
 * (AdjustExternalMemory). Gradient frames are megabytes, so the reported
 * external memory passes V8's limit every few allreduces; V8 then starts
 * incremental marking and, on every further report while marking runs,
 * does a 5-10 ms marking step on the main thread, right inside the
 * allreduce. With marking done in one atomic pause instead (the heap of a
 * worker is tens of MB: a few ms), a 2-process 4 MiB ring allreduce took a
 * median 7.7-11.6 ms against 18-25 ms, and the bare ZeroMQ rounds 2.4-3.5
 * against 11.5-16.6 ms, with Mark-Compacts down from ~80 to ~22 per 80
 * allreduces (BENCHMARKS.md, "Where the allreduce's time went").
 *
 * Call once, early, from a process's entry point: it sets a process-wide
 * V8 flag. Returns whether it did.
 */
export function atomicMarkingForLargeMessages(env: NodeJS.ProcessEnv = process.env, setFlags: (flags: string) => void = setFlagsFromString): boolean {
  if (env[INCREMENTAL_MARKING_ENV] === '1') return false;
  setFlags('--no-incremental-marking');
  return true;
}
