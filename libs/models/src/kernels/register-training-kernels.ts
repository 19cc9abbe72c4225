import * as tf from '@tensorflow/tfjs';
import { cpuConv2DBackpropFilter } from './cpu-conv2d-backprop-filter';
import { StockKernels } from './stock-kernels';
import { wasmBatchMatMul } from './wasm-batch-mat-mul';
import { wasmConv2DBackpropFilter } from './wasm-conv2d-backprop-filter';
import { wasmConcat } from './wasm-concat';
import { wasmConv2DBackpropInput } from './wasm-conv2d-backprop-input';
import { wasmFusedMatMul } from './wasm-fused-mat-mul';
import { wasmLstmBackward, wasmLstmForward } from './wasm-lstm-sequence';
import { wasmCast, wasmIdentity } from './wasm-identity';
import { cpuUnsortedSegmentSum, wasmUnsortedSegmentSum } from './unsorted-segment-sum';
import { wasmSlice, wasmSplitV, wasmUnpack } from './wasm-slice';
import { wasmSum } from './wasm-sum';
import { webgpuAddN } from './webgpu-add-n';

/**
 * Marks a kernel config as Ganglion's; its value is the stock config it
 * replaced (undefined when tfjs had none), so a later registration can still
 * delegate to the stock kernel.
 */
const GANGLION_KERNEL = Symbol.for('ganglion.trainingKernel');

type MarkedKernelConfig = tf.KernelConfig & { [GANGLION_KERNEL]?: tf.KernelConfig | undefined };

/** The training kernels of one backend and the stock kernels they call. */
interface TrainingKernelSet {
  /** Package whose import registers the backend's stock kernels. */
  packageName?: string;
  /** Stock kernels the replacements delegate to. */
  uses: readonly string[];
  create(stock: StockKernels): tf.KernelConfig[];
}

const TRAINING_KERNELS: Readonly<Record<string, TrainingKernelSet>> = {
  wasm: {
    packageName: '@tensorflow/tfjs-backend-wasm',
    uses: ['Conv2D', 'Transpose', 'Reshape', 'Slice', 'Unpack', 'SplitV', 'Concat', 'Identity', 'Cast', 'Sum', 'AvgPool', 'BatchMatMul', '_FusedMatMul', 'Sigmoid'],
    create: (stock) => [
      wasmConv2DBackpropFilter(stock),
      wasmConv2DBackpropInput(stock),
      wasmBatchMatMul(stock),
      wasmFusedMatMul(stock),
      wasmSlice(stock),
      wasmUnpack(stock),
      wasmSplitV(stock),
      wasmConcat(stock),
      wasmIdentity(stock),
      wasmCast(stock),
      wasmSum(stock),
      wasmUnsortedSegmentSum(),
      wasmLstmForward(stock),
      wasmLstmBackward(stock),
    ],
  },
  cpu: {
    uses: [],
    create: () => [cpuConv2DBackpropFilter(), cpuUnsortedSegmentSum()],
  },
  // tfjs's WebGPU backend has every training kernel; only AddN is wrong (see webgpuAddN).
  webgpu: {
    packageName: '@tensorflow/tfjs-backend-webgpu',
    uses: ['AddN'],
    create: (stock) => [webgpuAddN(stock)],
  },
};

/**
 * Registers Ganglion's training kernels for a tfjs backend and returns the
 * kernel names now served by them (empty for backends that need none, such
 * as `tensorflow`, whose native kernels are complete and fast).
 *
 * Idempotent: a kernel already registered by Ganglion is left in place, so
 * calling this twice in one process is harmless. Where tfjs had a stock
 * kernel of the same name it is unregistered first, and its setupFunc is
 * carried over so the stock implementation the replacement delegates to is
 * initialised even if the backend starts after this call.
 */
export function registerTrainingKernels(backendName: string): string[] {
  const set = TRAINING_KERNELS[backendName];
  if (set === undefined) return [];
  if (set.packageName !== undefined) {
    // Importing the backend package registers its stock kernels.
    require(set.packageName);
  }
  const stock = stockKernelsFor(backendName, set.uses);
  const names: string[] = [];
  for (const config of set.create(stock)) {
    const existing = tf.getKernel(config.kernelName, backendName) as MarkedKernelConfig | undefined;
    names.push(config.kernelName);
    if (existing !== undefined && GANGLION_KERNEL in existing) continue;
    if (existing !== undefined) tf.unregisterKernel(config.kernelName, backendName);
    const marked: MarkedKernelConfig = {
      ...config,
      setupFunc: existing?.setupFunc,
      disposeFunc: existing?.disposeFunc,
      [GANGLION_KERNEL]: existing,
    };
    tf.registerKernel(marked);
  }
  return names;
}

/** Whether the kernel now registered under this name is Ganglion's. */
export function isTrainingKernelRegistered(kernelName: string, backendName: string): boolean {
  const config = tf.getKernel(kernelName, backendName) as MarkedKernelConfig | undefined;
  return config !== undefined && GANGLION_KERNEL in config;
}

/**
 * The stock (tfjs) kernels of a backend, looking through Ganglion's
 * replacements; for tests and benchmarks that call one algorithm directly.
 */
export function stockKernelsFor(backendName: string, kernelNames: readonly string[]): StockKernels {
  return StockKernels.fromConfigs(
    backendName,
    kernelNames.map((name) => stockConfig(name, backendName)).filter(isDefined),
  );
}

/** The stock config of a kernel, looking through a Ganglion replacement. */
function stockConfig(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  const config = tf.getKernel(kernelName, backendName) as MarkedKernelConfig | undefined;
  if (config !== undefined && GANGLION_KERNEL in config) return config[GANGLION_KERNEL];
  return config;
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}
