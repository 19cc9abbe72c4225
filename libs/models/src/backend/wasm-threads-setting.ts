/**
 * Environment variable that asks for a multi-threaded WASM backend: the
 * number of threads XNNPACK computes with in each process (default 1).
 * `ganglion --threads <n>` sets it, so workers a launcher starts inherit it.
 */
export const WASM_THREADS_ENV = 'GANGLION_WASM_THREADS';

/** Most threads tfjs-backend-wasm 4.22 can use: its Emscripten build pre-creates 8 pthread workers. */
export const MAX_WASM_THREADS = 8;

/**
 * Reads and checks a WASM thread count (from `--threads` or
 * GANGLION_WASM_THREADS); undefined or empty means 1, one thread per
 * process, which is right when each core runs one worker.
 */
export function parseWasmThreads(value: string | number | undefined, source = WASM_THREADS_ENV): number {
  if (value === undefined || value === '') return 1;
  const threads = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new Error(
      `${source} must be a whole number of WASM threads from 1 to ${MAX_WASM_THREADS}, got '${String(value)}'. ` +
        'Use 1 (the default) when every core runs its own worker; more only where a process has cores to itself.',
    );
  }
  return threads;
}
