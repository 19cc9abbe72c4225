/**
 * Forward+backward timings of the layer shapes Ganglion's models use, on
 * WASM (one thread, batch 64), with Ganglion's training kernels and, where
 * tfjs has one, with the stock kernel. Run:
 *
 *   npx tsx bench/models/kernel-timings.ts [repeats]
 *
 * Prints median milliseconds. Each layer row times one forward pass plus
 * the gradients of sum(y·r) w.r.t. the layer's weights and its input (as in
 * training, where the input gradient flows to the layer before); the kernel
 * rows time single kernel calls.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { cpus, loadavg } from 'node:os';
import { registerTrainingKernels } from '@ganglion/models';
import { timeStep } from '../harness/stopwatch';
import { summaryStats } from '../report/summary-stats';

const GANGLION_KERNEL = Symbol.for('ganglion.trainingKernel');
const BATCH = 64;

interface LayerCase {
  model: string;
  name: string;
  inputShape: number[];
  layer: () => tf.layers.Layer;
}

interface KernelCase {
  name: string;
  kernel: string;
  inputs: () => tf.NamedTensorMap;
  attrs: object;
}

const conv = (filters: number, kernelSize: number) => () =>
  tf.layers.conv2d({ filters, kernelSize, strides: 2, padding: 'same' });
const deconv = (filters: number, kernelSize: number) => () =>
  tf.layers.conv2dTranspose({ filters, kernelSize, strides: 2, padding: 'same' });
const dense = (units: number) => () => tf.layers.dense({ units });

const LAYERS: readonly LayerCase[] = [
  { model: 'DCGAN', name: 'G dense 100→6272', inputShape: [100], layer: dense(6272) },
  { model: 'DCGAN', name: 'G deconv 7x7x128→14x14x64 k5s2', inputShape: [7, 7, 128], layer: deconv(64, 5) },
  { model: 'DCGAN', name: 'G deconv 14x14x64→28x28x1 k5s2', inputShape: [14, 14, 64], layer: deconv(1, 5) },
  { model: 'DCGAN', name: 'D conv 28x28x1→14x14x64 k5s2', inputShape: [28, 28, 1], layer: conv(64, 5) },
  { model: 'DCGAN', name: 'D conv 14x14x64→7x7x128 k5s2', inputShape: [14, 14, 64], layer: conv(128, 5) },
  { model: 'DCGAN', name: 'D dense 6272→1', inputShape: [6272], layer: dense(1) },
  { model: 'ConvVAE', name: 'E conv 28x28x1→14x14x32 k3s2', inputShape: [28, 28, 1], layer: conv(32, 3) },
  { model: 'ConvVAE', name: 'E conv 14x14x32→7x7x64 k3s2', inputShape: [14, 14, 32], layer: conv(64, 3) },
  { model: 'ConvVAE', name: 'E dense 3136→16', inputShape: [3136], layer: dense(16) },
  { model: 'ConvVAE', name: 'D dense 16→3136', inputShape: [16], layer: dense(3136) },
  { model: 'ConvVAE', name: 'D deconv 7x7x64→14x14x32 k3s2', inputShape: [7, 7, 64], layer: deconv(32, 3) },
  { model: 'ConvVAE', name: 'D deconv 14x14x32→28x28x1 k3s2', inputShape: [14, 14, 32], layer: deconv(1, 3) },
  {
    model: 'RowLSTM',
    name: 'LSTM 128 units, 28 steps x 28',
    inputShape: [28, 28],
    layer: () => tf.layers.lstm({ units: 128, returnSequences: true }),
  },
];

function convKernels(
  label: string,
  x: number[],
  w: number[],
  y: number[],
): KernelCase[] {
  const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC' };
  return [
    {
      name: `${label} Conv2DBackpropInput`,
      kernel: 'Conv2DBackpropInput',
      inputs: () => ({ dy: tf.randomNormal(y), filter: tf.randomNormal(w) }),
      attrs: { ...attrs, inputShape: x },
    },
    {
      name: `${label} Conv2DBackpropFilter`,
      kernel: 'Conv2DBackpropFilter',
      inputs: () => ({ x: tf.randomNormal(x), dy: tf.randomNormal(y) }),
      attrs: { ...attrs, filterShape: w },
    },
  ];
}

function matMulKernels(label: string, m: number, k: number, n: number): KernelCase[] {
  // Forward x[m,k]·W[k,n]; backward dX = dy·Wᵀ, dW = xᵀ·dy.
  return [
    {
      name: `${label} dX = dy·Wᵀ`,
      kernel: 'BatchMatMul',
      inputs: () => ({ a: tf.randomNormal([m, n]), b: tf.randomNormal([k, n]) }),
      attrs: { transposeA: false, transposeB: true },
    },
    {
      name: `${label} dW = xᵀ·dy`,
      kernel: 'BatchMatMul',
      inputs: () => ({ a: tf.randomNormal([m, k]), b: tf.randomNormal([m, n]) }),
      attrs: { transposeA: true, transposeB: false },
    },
  ];
}

const KERNELS: readonly KernelCase[] = [
  ...convKernels('7x7x128↔14x14x64 k5', [BATCH, 14, 14, 64], [5, 5, 64, 128], [BATCH, 7, 7, 128]),
  ...convKernels('14x14x64↔28x28x1 k5', [BATCH, 28, 28, 1], [5, 5, 1, 64], [BATCH, 14, 14, 64]),
  ...convKernels('7x7x64↔14x14x32 k3', [BATCH, 14, 14, 32], [3, 3, 32, 64], [BATCH, 7, 7, 64]),
  ...convKernels('14x14x32↔28x28x1 k3', [BATCH, 28, 28, 1], [3, 3, 1, 32], [BATCH, 14, 14, 32]),
  ...matMulKernels('dense 6272→1', BATCH, 6272, 1),
  ...matMulKernels('dense 100→6272', BATCH, 100, 6272),
  ...matMulKernels('dense 3136→16', BATCH, 3136, 16),
  ...matMulKernels('LSTM step 28+128→512', BATCH, 156, 512),
];

function timeMs(repeats: number, run: () => void): number {
  for (let i = 0; i < 3; i++) run(); // JIT and XNNPACK warm-up
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    times.push(timeStep(run).wallMs);
  }
  return summaryStats(times).median;
}

/** Puts tfjs's own kernels back in place of Ganglion's (undone by registerTrainingKernels). */
function useStockKernels(): void {
  for (const config of tf.getKernelsForBackend('wasm')) {
    const marked = config as tf.KernelConfig & { [GANGLION_KERNEL]?: tf.KernelConfig };
    if (!(GANGLION_KERNEL in marked)) continue;
    tf.unregisterKernel(config.kernelName, 'wasm');
    const stock = marked[GANGLION_KERNEL];
    if (stock !== undefined) tf.registerKernel(stock);
  }
}

function layerStep(c: LayerCase): { run: () => void; dispose: () => void } {
  const layer = c.layer();
  const x = tf.variable(tf.randomNormal([BATCH, ...c.inputShape]));
  const outShape = layer.computeOutputShape([BATCH, ...c.inputShape]) as number[];
  const r = tf.randomNormal(outShape.map((d) => d ?? BATCH));
  layer.apply(x); // builds the weights
  const run = () => {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, r)));
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  return { run, dispose: () => tf.dispose([x, r, ...layer.getWeights()]) };
}

function fmt(ms: number | undefined): string {
  return ms === undefined ? '      —' : ms.toFixed(1).padStart(7);
}

async function main(): Promise<void> {
  const repeats = Number(process.argv[2] ?? 9);
  if (!(await tf.setBackend('wasm'))) throw new Error('The WASM backend did not start.');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const load = () => loadavg()[0].toFixed(2);
  console.log(`tfjs ${tf.version.tfjs}, wasm, SIMD ${simd}, 1 thread, batch ${BATCH}, median of ${repeats}`);
  console.log(`${cpus().length} CPUs (${cpus()[0]?.model}), load average ${load()} at start\n`);

  console.log('layer forward+backward (weights and input)           ours ms  stock ms');
  for (const c of LAYERS) {
    const step = layerStep(c);
    registerTrainingKernels('wasm');
    const ours = timeMs(repeats, step.run);
    useStockKernels();
    let stock: number | undefined;
    try {
      stock = timeMs(repeats, step.run);
    } catch {
      stock = undefined; // stock tfjs lacks a kernel (Conv2DBackpropFilter)
    }
    registerTrainingKernels('wasm');
    step.dispose();
    console.log(`${c.model.padEnd(8)} ${c.name.padEnd(42)} ${fmt(ours)}  ${fmt(stock)}`);
  }

  console.log('\nsingle kernels                                       ours ms  stock ms');
  for (const c of KERNELS) {
    const inputs = c.inputs();
    const run = () => (tf.engine().runKernel(c.kernel, inputs, c.attrs as never) as tf.Tensor).dispose();
    registerTrainingKernels('wasm');
    const ours = timeMs(repeats, run);
    useStockKernels();
    const stock = tf.getKernel(c.kernel, 'wasm') === undefined ? undefined : timeMs(repeats, run);
    registerTrainingKernels('wasm');
    tf.dispose(Object.values(inputs));
    console.log(`${c.name.padEnd(51)} ${fmt(ours)}  ${fmt(stock)}`);
  }
  console.log(`\nload average ${load()} at end`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
