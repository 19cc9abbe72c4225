import * as tf from '@tensorflow/tfjs';
import { registerTrainingKernels } from '../kernels/register-training-kernels';
import { BACKEND_NAMES, BackendChoice, BackendName, RequestedBackend } from './backend-choice';
import { BackendUnavailableError } from './backend-unavailable-error';
import { startThreadedWasm, type WasmBackendPackage } from './threaded-wasm-backend';
import { parseWasmThreads, WASM_THREADS_ENV } from './wasm-threads-setting';

/** Options of selectBackend. */
export interface SelectBackendOptions {
  /** A backend to force (`--backend`), or `auto` (default) for the best that loads. */
  requested?: RequestedBackend;
  /**
   * Loads a package by name; `require` by default. Tests inject a fake to
   * simulate tfjs-node being installed or WASM failing to load.
   */
  load?: (packageName: string) => unknown;
  /**
   * Threads of the WASM backend (XNNPACK's pool) in this process; default
   * GANGLION_WASM_THREADS, else 1. Above 1, tfjs's multi-threaded SIMD build
   * is started (see startThreadedWasm); other backends ignore it.
   */
  threads?: number;
  /** Where GANGLION_WASM_THREADS is read when `threads` is not given (default process.env). */
  env?: NodeJS.ProcessEnv;
}

const TFJS_NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';
const CPU_PACKAGE = '@tensorflow/tfjs-backend-cpu';

/** Outcome of trying one backend. */
type Attempt =
  | {
      ok: true;
      choice: Omit<BackendChoice, 'reason' | 'trainingKernels'>;
      /** Packages of this backend passed over before the one that loaded. */
      failures: string[];
      detail: string;
    }
  | { ok: false; failures: string[] };

/**
 * Chooses and activates the tfjs backend for this process, registers
 * Ganglion's training kernels for it, and says what was chosen and why.
 *
 * With `auto`: `tensorflow` (tfjs-node-gpu, then tfjs-node, when installed
 * and loadable) › `wasm` (SIMD) › `cpu`. A named backend that cannot load is
 * a BackendUnavailableError naming the package to install. Safe to call
 * more than once in a process.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  const requested = options.requested ?? 'auto';
  if (requested !== 'auto' && !BACKEND_NAMES.includes(requested)) {
    throw new Error(
      `Unknown backend '${String(requested)}'. Use one of: auto, ${BACKEND_NAMES.join(', ')}.`,
    );
  }
  const load = options.load ?? ((name: string) => require(name));
  const threads =
    options.threads === undefined
      ? parseWasmThreads((options.env ?? process.env)[WASM_THREADS_ENV])
      : parseWasmThreads(options.threads, 'threads');
  const candidates: readonly BackendName[] = requested === 'auto' ? BACKEND_NAMES : [requested];
  const passedOver: string[] = [];
  for (const name of candidates) {
    const attempt = await tryBackend(name, load, threads);
    if (attempt.ok) {
      const why = requested === 'auto' ? passedOver : [`requested '${name}'`];
      return {
        ...attempt.choice,
        reason: [...why, ...attempt.failures, attempt.detail].join('; '),
        trainingKernels: registerTrainingKernels(name),
      };
    }
    if (requested !== 'auto') {
      throw new BackendUnavailableError(name, attempt.failures, remedyFor(name));
    }
    passedOver.push(...attempt.failures);
  }
  throw new Error(`No tfjs backend could be started: ${passedOver.join('; ')}.`);
}

function tryBackend(name: BackendName, load: (packageName: string) => unknown, threads: number): Promise<Attempt> {
  switch (name) {
    case 'tensorflow':
      return tryTensorflow(load);
    case 'wasm':
      return tryWasm(load, threads);
    case 'cpu':
      return tryCpu();
  }
}

async function tryTensorflow(load: (packageName: string) => unknown): Promise<Attempt> {
  const failures: string[] = [];
  for (const packageName of TFJS_NODE_PACKAGES) {
    const short = packageName.replace('@tensorflow/', '');
    try {
      load(packageName);
    } catch (error) {
      failures.push(`${short} ${isNotInstalled(error, packageName) ? 'not installed' : 'failed to load'} (${firstLine(error)})`);
      continue;
    }
    if (tf.findBackendFactory('tensorflow') === null || !(await tf.setBackend('tensorflow'))) {
      failures.push(
        `${short} loaded but its 'tensorflow' backend did not start (is it the same version as @tensorflow/tfjs, 4.22?)`,
      );
      continue;
    }
    const gpu = packageName.endsWith('-gpu');
    return {
      ok: true,
      choice: { name: 'tensorflow', simd: false, packageName },
      failures,
      detail: `native TensorFlow via ${short}${gpu ? ' (CUDA)' : ' (CPU)'}`,
    };
  }
  return { ok: false, failures };
}

async function tryWasm(load: (packageName: string) => unknown, threads: number): Promise<Attempt> {
  let wasm: WasmBackendPackage;
  try {
    wasm = load(WASM_PACKAGE) as WasmBackendPackage;
  } catch (error) {
    const state = isNotInstalled(error, WASM_PACKAGE) ? 'not installed' : 'failed to load';
    return { ok: false, failures: [`tfjs-backend-wasm ${state} (${firstLine(error)})`] };
  }
  let started: boolean;
  try {
    if (threads > 1 && currentWasmThreads(wasm) !== threads) await startThreadedWasm(wasm, threads);
    else if (threads === 1 && currentWasmThreads(wasm) > 1) {
      throw new Error(
        'this process already runs the multi-threaded WASM backend and cannot go back to one thread; start a new process',
      );
    }
    started = await tf.setBackend('wasm');
  } catch (error) {
    return { ok: false, failures: [`wasm failed to start (${firstLine(error)})`] };
  }
  if (!started) {
    return { ok: false, failures: ['wasm failed to start (tfjs could not initialise the WebAssembly module)'] };
  }
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const actualThreads = wasm.getThreadsCount();
  return {
    ok: true,
    choice: { name: 'wasm', simd, threads: actualThreads, packageName: WASM_PACKAGE },
    failures: [],
    detail: `WASM ${simd ? 'with' : 'without'} SIMD, ${actualThreads} thread${actualThreads === 1 ? '' : 's'}${actualThreads > 1 ? ' (multi-threaded build)' : ''}`,
  };
}

/** Threads of the WASM backend already started in this process (0 when none has started). */
function currentWasmThreads(wasm: WasmBackendPackage): number {
  if (tf.findBackend('wasm') === null) return 0;
  try {
    return wasm.getThreadsCount();
  } catch {
    return 0;
  }
}

async function tryCpu(): Promise<Attempt> {
  if (!(await tf.setBackend('cpu'))) {
    return { ok: false, failures: ['cpu failed to start'] };
  }
  return {
    ok: true,
    choice: { name: 'cpu', simd: false, threads: 1, packageName: CPU_PACKAGE },
    failures: [],
    detail: 'plain JavaScript cpu backend (slowest; fine for tests and tiny models)',
  };
}

function remedyFor(name: BackendName): string {
  switch (name) {
    case 'tensorflow':
      return (
        'Install @tensorflow/tfjs-node@4.22.0 (or @tensorflow/tfjs-node-gpu@4.22.0 for CUDA; ' +
        'both download libtensorflow at install time), or choose --backend wasm.'
      );
    case 'wasm':
      return 'Install @tensorflow/tfjs-backend-wasm@4.22.0, or choose --backend cpu.';
    case 'cpu':
      return 'Reinstall @tensorflow/tfjs@4.22.0, which bundles the cpu backend.';
  }
}

function isNotInstalled(error: unknown, packageName: string): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return e?.code === 'MODULE_NOT_FOUND' && String(e.message).includes(`'${packageName}'`);
}

function firstLine(error: unknown): string {
  // Duck-typed: errors from another realm (jest's module registry) are not `instanceof Error`.
  const message = typeof (error as { message?: unknown })?.message === 'string'
    ? (error as { message: string }).message
    : String(error);
  return message.split('\n')[0].trim();
}
