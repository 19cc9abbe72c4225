import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ConvGeometry, convGeometry } from './conv-geometry';
import { ReferenceConv, referenceOutputShape, tfjsPadding } from './reference-kernels';
import { stockKernelsFor } from './register-training-kernels';
import { WasmKernelOps } from './wasm-kernel-ops';

/**
 * Shared cases and helpers for the kernel specs (not a spec itself): odd
 * sizes, kernels 1/3/5, strides 1/2/3, 'same'/'valid'/explicit padding,
 * batch 1 and > 1, channel counts from 1 to 17 (single-channel inputs in
 * several geometries: they have their own gather and scatter loops).
 */
export const CONV_CASES: readonly ReferenceConv[] = [
  { inputShape: [1, 7, 9, 3], filterShape: [3, 3, 3, 4], stride: 1, padding: 'same' },
  { inputShape: [2, 7, 9, 3], filterShape: [3, 3, 3, 4], stride: 1, padding: 'valid' },
  { inputShape: [2, 7, 9, 3], filterShape: [3, 3, 3, 4], stride: 2, padding: 'same' },
  { inputShape: [2, 7, 9, 3], filterShape: [3, 3, 3, 4], stride: 2, padding: 'valid' },
  { inputShape: [3, 7, 9, 2], filterShape: [5, 5, 2, 5], stride: 2, padding: 'same' },
  { inputShape: [1, 7, 9, 4], filterShape: [5, 5, 4, 2], stride: 2, padding: 'valid' },
  { inputShape: [2, 9, 7, 6], filterShape: [5, 5, 6, 3], stride: 1, padding: 'valid' },
  { inputShape: [2, 8, 8, 1], filterShape: [5, 5, 1, 8], stride: 2, padding: 'same' },
  // Few taps, many output channels: im2col takes its swapped product (dyᵀ · patches).
  { inputShape: [2, 8, 8, 1], filterShape: [3, 3, 1, 64], stride: 2, padding: 'same' },
  { inputShape: [2, 9, 7, 1], filterShape: [3, 3, 1, 5], stride: 1, padding: 'valid' },
  { inputShape: [2, 8, 9, 1], filterShape: [5, 5, 1, 3], stride: 2, padding: 'valid' },
  { inputShape: [1, 7, 9, 1], filterShape: [2, 3, 1, 2], stride: 3, padding: [2, 0, 1, 3] },
  { inputShape: [2, 8, 8, 3], filterShape: [3, 3, 3, 4], stride: 2, padding: 'valid' },
  { inputShape: [2, 6, 5, 17], filterShape: [3, 3, 17, 16], stride: 2, padding: 'same' },
  { inputShape: [2, 7, 7, 3], filterShape: [1, 1, 3, 4], stride: 2, padding: 'valid' },
  { inputShape: [1, 9, 7, 2], filterShape: [3, 2, 2, 3], stride: 3, padding: 'same' },
  { inputShape: [2, 7, 9, 3], filterShape: [2, 3, 3, 2], stride: 2, padding: [3, 1, 0, 2] },
];

/** Short label for test names. */
export function describeConv(c: ReferenceConv): string {
  const pad = Array.isArray(c.padding) ? `pad[${c.padding}]` : c.padding;
  return `x[${c.inputShape}] w[${c.filterShape}] s${c.stride} ${pad}`;
}

/** Deterministic values in [-1, 1) (mulberry32), so failures reproduce. */
export function seededValues(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

/** Runs the Conv2DBackpropFilter kernel of the active backend. */
export function runConv2DBackpropFilter(c: ReferenceConv, x: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(
    'Conv2DBackpropFilter',
    { x, dy },
    { strides: c.stride, pad: tfjsPadding(c.padding), dataFormat: 'NHWC', filterShape: c.filterShape } as never,
  ) as tf.Tensor;
}

/** Runs the Conv2DBackpropInput kernel of the active backend. */
export function runConv2DBackpropInput(c: ReferenceConv, dy: tf.Tensor, filter: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(
    'Conv2DBackpropInput',
    { dy, filter },
    { strides: c.stride, pad: tfjsPadding(c.padding), dataFormat: 'NHWC', inputShape: c.inputShape } as never,
  ) as tf.Tensor;
}

/** Input, filter and output-gradient tensors for a case, from fixed seeds. */
export function convTensors(c: ReferenceConv, seed: number): { x: tf.Tensor4D; w: tf.Tensor4D; dy: tf.Tensor4D } {
  const yShape = referenceOutputShape(c);
  return {
    x: tf.tensor4d(seededValues(size(c.inputShape), seed), c.inputShape),
    w: tf.tensor4d(seededValues(size(c.filterShape), seed + 1), c.filterShape),
    dy: tf.tensor4d(seededValues(size(yShape), seed + 2), yShape),
  };
}

/** Kernel-level ops on the active WASM backend, over the stock kernels. */
export function wasmOps(): WasmKernelOps {
  const stock = stockKernelsFor('wasm', ['Conv2D', 'Transpose', 'Reshape', 'BatchMatMul']);
  return new WasmKernelOps(tf.backend() as unknown as BackendWasm, stock);
}

/** The geometry a backprop kernel derives for a case. */
export function caseGeometry(c: ReferenceConv): ConvGeometry {
  return convGeometry('test', 'wasm', c.inputShape, c.filterShape, {
    strides: c.stride,
    pad: tfjsPadding(c.padding),
    dataFormat: 'NHWC',
  });
}

/** Copies a kernel-level result off the heap and frees it. */
export function takeValues(ops: WasmKernelOps, info: tf.TensorInfo): { shape: number[]; values: Float32Array } {
  const values = ops.view(info).slice();
  const shape = [...info.shape];
  ops.dispose(info);
  return { shape, values };
}

/** Data buffers the active backend holds (catches leaks tf.memory() cannot see). */
export function backendDataIds(): number {
  return tf.engine().backend.numDataIds();
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
