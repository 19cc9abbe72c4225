import * as tf from '@tensorflow/tfjs';
import { registerTrainingKernels } from '../kernels/register-training-kernels';
import type { BackendAttempt } from './backend-attempt';
import { BACKEND_NAMES, BackendChoice, BackendName, RequestedBackend } from './backend-choice';
import { BackendUnavailableError } from './backend-unavailable-error';
import { GPU_INDEX_ENV, parseGpuIndex } from './gpu-index-setting';
import { firstLine, isNotInstalled } from './load-failure';
import { startThreadedWasm, type WasmBackendPackage } from './threaded-wasm-backend';
import { tryWebGpu } from './try-webgpu';
import { parseWasmThreads, WASM_THREADS_ENV } from './wasm-threads-setting';
import { loadWebGpuPackage, WEBGPU_PACKAGE } from './webgpu-package';

/** Options of selectBackend. */
export interface SelectBackendOptions {
  /** A backend to force (`--backend`), or `auto` (default) for the best that loads. */
  requested?: RequestedBackend;
  /**
   * Loads a package by name; `require` by default (Node's own for the
   * `webgpu` ES module, see loadWebGpuPackage). Tests inject a fake to
   * simulate tfjs-node being installed or WASM failing to load.
   */
  load?: (packageName: string) => unknown;
  /**
   * Threads of the WASM backend (XNNPACK's pool) in this process; default
   * GANGLION_WASM_THREADS, else 1. Above 1, tfjs's multi-threaded SIMD build
   * is started (see startThreadedWasm); other backends ignore it.
   */
  threads?: number;
  /**
   * The GPU to compute on (webgpu: index into Dawn's adapter list); default
   * GANGLION_GPU, which `launch --gpus` sets per worker. tfjs-node-gpu
   * ignores it: it sees the GPUs CUDA_VISIBLE_DEVICES leaves it.
   */
  gpu?: number;
  /** Where GANGLION_WASM_THREADS and GANGLION_GPU are read (default process.env). */
  env?: NodeJS.ProcessEnv;
}

const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';
const TFJS_NODE = '@tensorflow/tfjs-node';
const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';
const CPU_PACKAGE = '@tensorflow/tfjs-backend-cpu';

/** One step of the search: a backend, and for `tensorflow` which of its packages. */
interface Candidate {
  name: BackendName;
  /** tfjs-node packages to try (tensorflow only). */
  packages?: readonly string[];
}

/** The search under `auto`: tfjs-node-gpu › webgpu (hardware GPU) › tfjs-node › wasm › cpu. */
const AUTO_ORDER: readonly Candidate[] = [
  { name: 'tensorflow', packages: [TFJS_NODE_GPU] },
  { name: 'webgpu' },
  { name: 'tensorflow', packages: [TFJS_NODE] },
  { name: 'wasm' },
  { name: 'cpu' },
];

/**
 * Chooses and activates the tfjs backend for this process, registers
 * Ganglion's training kernels for it, and says what was chosen and why.
 *
 * With `auto`: `tensorflow` on tfjs-node-gpu › `webgpu` when Dawn offers a
 * hardware GPU › `tensorflow` on tfjs-node › `wasm` (SIMD) › `cpu`. A named
 * backend that cannot load is a BackendUnavailableError naming what to
 * install; `webgpu` by name also accepts a software GPU (CI). Safe to call
 * more than once in a process.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  const requested = options.requested ?? 'auto';
  if (requested !== 'auto' && !BACKEND_NAMES.includes(requested)) {
    throw new Error(
      `Unknown backend '${String(requested)}'. Use one of: auto, ${BACKEND_NAMES.join(', ')}.`,
    );
  }
  const load = options.load ?? defaultLoad;
  const env = options.env ?? process.env;
  const threads =
    options.threads === undefined
      ? parseWasmThreads(env[WASM_THREADS_ENV])
      : parseWasmThreads(options.threads, 'threads');
  const gpu = options.gpu === undefined ? parseGpuIndex(env[GPU_INDEX_ENV]) : parseGpuIndex(options.gpu, 'gpu');
  const candidates: readonly Candidate[] = requested === 'auto' ? AUTO_ORDER : [{ name: requested }];
  const passedOver: string[] = [];
  for (const { name, packages } of candidates) {
    const attempt = await tryBackend(name, { load, threads, gpu, env, packages, requested: requested !== 'auto' });
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

/** `require`, except for dawn.node's ES module (see loadWebGpuPackage). */
function defaultLoad(name: string): unknown {
  return name === WEBGPU_PACKAGE ? loadWebGpuPackage() : require(name);
}

/** What tryBackend needs besides the backend's name. */
interface AttemptContext {
  load: (packageName: string) => unknown;
  threads: number;
  gpu: number | undefined;
  env: NodeJS.ProcessEnv;
  packages?: readonly string[];
  /** Whether the backend was named (`--backend`) rather than reached under `auto`. */
  requested: boolean;
}

function tryBackend(name: BackendName, context: AttemptContext): Promise<BackendAttempt> {
  switch (name) {
    case 'tensorflow':
      return tryTensorflow(context.load, context.packages ?? [TFJS_NODE_GPU, TFJS_NODE]);
    case 'webgpu':
      return tryWebGpu({ load: context.load, requested: context.requested, gpuIndex: context.gpu, env: context.env });
    case 'wasm':
      return tryWasm(context.load, context.threads);
    case 'cpu':
      return tryCpu();
  }
}

async function tryTensorflow(load: (packageName: string) => unknown, packages: readonly string[]): Promise<BackendAttempt> {
  const failures: string[] = [];
  for (const packageName of packages) {
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

async function tryWasm(load: (packageName: string) => unknown, threads: number): Promise<BackendAttempt> {
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

async function tryCpu(): Promise<BackendAttempt> {
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
    case 'webgpu':
      return (
        'Install webgpu@0.6.2 and @tensorflow/tfjs-backend-webgpu@4.22.0 (npm ci does), and a GPU driver with ' +
        'Vulkan (Linux), Metal (macOS) or D3D12 (Windows); for a software GPU on Linux see .ci/install-software-gpu.sh. ' +
        'Or choose --backend wasm.'
      );
    case 'wasm':
      return 'Install @tensorflow/tfjs-backend-wasm@4.22.0, or choose --backend cpu.';
    case 'cpu':
      return 'Reinstall @tensorflow/tfjs@4.22.0, which bundles the cpu backend.';
  }
}
