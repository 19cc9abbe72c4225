import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** What startThreadedWasm needs from the loaded @tensorflow/tfjs-backend-wasm package. */
export interface WasmBackendPackage {
  BackendWasm: new (wasm: never) => BackendWasm;
  setThreadsCount(threads: number): void;
  getThreadsCount(): number;
}

/** The parts of the threaded Emscripten module this file touches. */
interface ThreadedModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  PThread: { runningWorkers: Array<{ unref(): void }> };
  tfjs?: Record<string, unknown>;
}

type EmscriptenFactory = (config: Record<string, unknown>) => Promise<ThreadedModule>;

/** The WebAssembly API as used here (this project's TypeScript libs do not declare it). */
interface WebAssemblyApi {
  instantiate(binary: Uint8Array, imports: unknown): Promise<{ instance: unknown; module: unknown }>;
}

const THREADED = 'tfjs-backend-wasm-threaded-simd';
/** tfjs's priority for 'wasm' (registerBackend('wasm', ..., 2) in backend_wasm.js). */
const WASM_PRIORITY = 2;

/**
 * Starts tfjs's multi-threaded SIMD WASM build in Node and makes it the
 * 'wasm' backend, computing with `threads` XNNPACK threads. Stock tfjs never
 * does this in Node: its WASM_HAS_MULTITHREAD_SUPPORT flag is false under
 * Node (tfjs issue #3830), and its loader hands Emscripten a Blob URL for
 * the pthread worker, which Node's worker_threads cannot start. Here:
 * - the pthread worker script (shipped as a string in
 *   wasm-out/tfjs-backend-wasm-threaded-simd.worker.js) is written to a file
 *   in the temp folder and Emscripten's locateFile points there;
 * - the wasm binary is instantiated through Emscripten's instantiateWasm
 *   hook with `emscripten_num_logical_cores` answering 2 × threads, because
 *   tfjs caps the pool at half the logical cores (a 2-core machine would
 *   otherwise always get 1 thread);
 * - the pthread workers are unref'd once the pool is up, so they do not
 *   keep the process alive.
 * Any 'wasm' backend already registered is removed (with its tensors) first.
 * Throws when XNNPACK ends up with another number of threads.
 */
export async function startThreadedWasm(pkg: WasmBackendPackage, threads: number): Promise<void> {
  const wasmOut = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
  const factory = require(path.join(wasmOut, `${THREADED}.js`)) as EmscriptenFactory;
  const workerScript = writePthreadWorker(wasmOut);
  const binary = fs.readFileSync(path.join(wasmOut, `${THREADED}.wasm`));

  let instantiateFailed: (error: unknown) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => (instantiateFailed = reject));
  const started = factory({
    locateFile: (file: string, prefix: string) => (file.endsWith('.worker.js') ? workerScript : prefix + file),
    instantiateWasm: (
      info: { env: Record<string, unknown> },
      receive: (instance: unknown, module: unknown) => void,
    ) => {
      info.env['emscripten_num_logical_cores'] = () => 2 * threads;
      const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
      webAssembly.instantiate(binary, info).then((result) => receive(result.instance, result.module), instantiateFailed);
      return {};
    },
  });
  const module = await Promise.race([started, failure]);
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };

  pkg.setThreadsCount(threads);
  const backend = new pkg.BackendWasm(module as never);
  for (const worker of module.PThread.runningWorkers) worker.unref();
  const actual = pkg.getThreadsCount();
  if (actual !== threads) {
    backend.dispose();
    throw new Error(`The threaded WASM backend started with ${actual} thread(s) instead of ${threads}; use --threads ${actual} or fewer.`);
  }
  if (tf.findBackend('wasm') !== null || tf.findBackendFactory('wasm') !== null) tf.removeBackend('wasm');
  tf.registerBackend('wasm', () => backend, WASM_PRIORITY);
}

/**
 * Writes Emscripten's pthread worker script to the temp folder (once per
 * content; atomically, so processes starting together do not race) and
 * returns its path.
 */
function writePthreadWorker(wasmOut: string): string {
  const { wasmWorkerContents } = require(path.join(wasmOut, `${THREADED}.worker.js`)) as { wasmWorkerContents: string };
  // The string holds `\n` escapes that the template literal turned into newlines inside JS strings (tfjs re-escapes them too).
  const script = wasmWorkerContents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(script).digest('hex').slice(0, 16);
  const file = path.join(os.tmpdir(), `ganglion-${THREADED}-${hash}.worker.js`);
  if (!fs.existsSync(file)) {
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, script);
    fs.renameSync(partial, file);
  }
  return file;
}
