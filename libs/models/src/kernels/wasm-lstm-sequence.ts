import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireFloat32 } from './conv-geometry';
import type { StockKernels } from './stock-kernels';
import { HeapCopier } from './wasm-heap';
import { WasmKernelOps } from './wasm-kernel-ops';

/** Kernel names of the fused LSTM sequence (Ganglion's own; tfjs has no such kernels). */
export const LSTM_FORWARD_KERNEL = 'GanglionLstmForward';
export const LSTM_BACKWARD_KERNEL = 'GanglionLstmBackward';

/**
 * WASM forward pass of a whole LSTM sequence in one kernel: the maths of
 * lstmSequence (see row-lstm/lstm-sequence.ts) without one tfjs op per
 * gate and step. Per step: one XNNPACK product h·R', one vectorised
 * sigmoid over the four gates, one over 2c (tanh c = 2σ(2c) − 1), and one
 * JavaScript pass over the cells on the heap for the rest. The op-by-op
 * version ran ~20 engine calls per step, whose bookkeeping (tape, tidy,
 * allocation, the SplitV and Concat copies) outweighed their arithmetic.
 *
 * Inputs: x [steps, count, inputSize], kernel [inputSize, 4u],
 * recurrentKernel [u, 4u], bias [4u] (gates i, f, c, o). Outputs: h
 * [steps, count, u]; the gate activations σ(z') [steps, count, 4u], where
 * z' is z with the c gate doubled; the cells c and tanh c [steps, count, u]
 * (what the backward kernel needs).
 */
export function wasmLstmForward(stock: StockKernels): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend }) => {
    const { x, kernel, recurrentKernel, bias } = inputs as Record<string, tf.TensorInfo>;
    requireFloat32(LSTM_FORWARD_KERNEL, 'wasm', { x, kernel, recurrentKernel, bias });
    const ops = new WasmKernelOps(backend as BackendWasm, stock);
    return lstmForward(ops, x, kernel, recurrentKernel, bias);
  };
  return { kernelName: LSTM_FORWARD_KERNEL, backendName: 'wasm', kernelFunc };
}

/**
 * WASM backward pass of wasmLstmForward: backprop through time with one
 * XNNPACK product dz·R'ᵀ per step and a JavaScript pass for the cell
 * derivatives, then one product [x, h_prev, 1]ᵀ·dz' for the kernel,
 * recurrent-kernel and bias gradients of all steps together.
 *
 * Inputs: dy [steps, count, u] (gradient of h), x, the forward outputs h,
 * gates, cells, tanhCells, and recurrentKernel. Outputs: dKernel, dRecurrent,
 * dBias in the shapes of the weights. No gradient for x.
 */
export function wasmLstmBackward(stock: StockKernels): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend }) => {
    const named = inputs as Record<string, tf.TensorInfo>;
    requireFloat32(LSTM_BACKWARD_KERNEL, 'wasm', named);
    const ops = new WasmKernelOps(backend as BackendWasm, stock);
    return lstmBackward(ops, named);
  };
  return { kernelName: LSTM_BACKWARD_KERNEL, backendName: 'wasm', kernelFunc };
}

/** A copy of `w` [rows, 4u] with the c gate's columns (2u..3u) doubled, shaped `shape`. */
function scaledGates(ops: WasmKernelOps, w: tf.TensorInfo, units: number, shape: number[]): tf.TensorInfo {
  const out = ops.empty(shape);
  const src = ops.view(w);
  const dst = ops.view(out);
  const width = 4 * units;
  for (let row = 0; row < src.length; row += width) {
    for (let j = 0; j < width; j++) dst[row + j] = src[row + j];
    for (let j = 2 * units; j < 3 * units; j++) dst[row + j] *= 2;
  }
  return out;
}

function lstmForward(
  ops: WasmKernelOps,
  x: tf.TensorInfo,
  kernel: tf.TensorInfo,
  recurrentKernel: tf.TensorInfo,
  bias: tf.TensorInfo,
): tf.TensorInfo[] {
  const [steps, count, inputSize] = x.shape;
  const units = recurrentKernel.shape[0];
  const width = 4 * units;
  const cellsPerStep = count * units;
  const gatesPerStep = count * width;

  const kernelScaled = scaledGates(ops, kernel, units, [1, inputSize, width]);
  const biasScaled = scaledGates(ops, bias, units, [width]);
  const recurrentScaled = scaledGates(ops, recurrentKernel, units, [1, units, width]);
  const x2 = ops.reshape(x, [1, steps * count, inputSize]);
  const projected = ops.fusedMatMul(x2, kernelScaled, biasScaled);
  ops.dispose(x2, kernelScaled, biasScaled);

  const h = ops.empty([steps, count, units]);
  const gates = ops.empty([steps, count, width]);
  const cells = ops.empty([steps, count, units]);
  const tanhCells = ops.empty([steps, count, units]);
  const hStep = ops.empty([1, count, units]);
  const twoC = ops.empty([count, units]);
  const zeroCells = new Float32Array(cellsPerStep);

  for (let t = 0; t < steps; t++) {
    // z' = h_{t-1}·R' + x_t·K' + b'; at t = 0 h is zero.
    let z: tf.TensorInfo;
    if (t === 0) {
      z = ops.empty([count, width]);
      ops.view(z).set(ops.view(projected).subarray(0, gatesPerStep));
    } else {
      z = ops.matMul(hStep, recurrentScaled);
      const zv = ops.view(z);
      const pv = ops.view(projected);
      const p0 = t * gatesPerStep;
      for (let k = 0; k < gatesPerStep; k++) zv[k] += pv[p0 + k];
    }
    const a = ops.sigmoid(z);
    ops.dispose(z);
    let av = ops.view(a);
    ops.view(gates).set(av, t * gatesPerStep);
    {
      const cv = ops.view(cells);
      const twoCv = ops.view(twoC);
      const c0 = t * cellsPerStep;
      // The cell before step 0 is zero.
      const previous = t === 0 ? zeroCells : cv;
      const p0 = t === 0 ? 0 : c0 - cellsPerStep;
      for (let n = 0; n < count; n++) {
        const row = n * width;
        const rowF = row + units;
        const rowC = row + 2 * units;
        const k0 = n * units;
        for (let u = 0; u < units; u++) {
          const k = k0 + u;
          const c = av[rowF + u] * previous[p0 + k] + av[row + u] * (2 * av[rowC + u] - 1); // f·c + i·tanh(z_c)
          cv[c0 + k] = c;
          twoCv[k] = 2 * c;
        }
      }
    }
    const s = ops.sigmoid(twoC);
    av = ops.view(a);
    const sv = ops.view(s);
    const hv = ops.view(h);
    const tv = ops.view(tanhCells);
    const hs = ops.view(hStep);
    const c0 = t * cellsPerStep;
    for (let n = 0; n < count; n++) {
      const row = n * width + 3 * units;
      for (let u = 0; u < units; u++) {
        const k = n * units + u;
        const tanhC = 2 * sv[k] - 1;
        const out = av[row + u] * tanhC;
        tv[c0 + k] = tanhC;
        hv[c0 + k] = out;
        hs[k] = out;
      }
    }
    ops.dispose(a, s);
  }
  ops.dispose(projected, recurrentScaled, hStep, twoC);
  return [h, gates, cells, tanhCells];
}

function lstmBackward(ops: WasmKernelOps, inputs: Record<string, tf.TensorInfo>): tf.TensorInfo[] {
  const { dy, x, h, gates, cells, tanhCells, recurrentKernel } = inputs;
  const [steps, count, inputSize] = x.shape;
  const units = recurrentKernel.shape[0];
  const width = 4 * units;
  const cellsPerStep = count * units;
  const gatesPerStep = count * width;
  const rows = steps * count;

  // R'ᵀ [4u, u]: the scaled recurrent kernel, transposed for dh = dz'·R'ᵀ.
  const recurrentT = ops.empty([1, width, units]);
  {
    const r = ops.view(recurrentKernel);
    const rt = ops.view(recurrentT);
    for (let u = 0; u < units; u++) {
      for (let j = 0; j < width; j++) rt[j * units + u] = r[u * width + j] * (j >= 2 * units && j < 3 * units ? 2 : 1);
    }
  }
  const dz = ops.empty([1, rows, width]);
  const dzStep = ops.empty([1, count, width]);
  // dc carried to the step before, already multiplied by that step's forget gate (zero after the last step).
  const carry = new Float32Array(cellsPerStep);
  // dh from the step after (zero after the last step), and the cell before step 0.
  const zeros = new Float32Array(cellsPerStep);

  for (let t = steps - 1; t >= 0; t--) {
    const fromNext = t < steps - 1 ? ops.matMul(dzStep, recurrentT) : undefined;
    const dyv = ops.view(dy);
    const mv = fromNext === undefined ? zeros : ops.view(fromNext);
    const av = ops.view(gates);
    const cv = t > 0 ? ops.view(cells) : zeros;
    const tv = ops.view(tanhCells);
    const dzs = ops.view(dzStep);
    const c0 = t * cellsPerStep;
    const p0 = t > 0 ? c0 - cellsPerStep : 0;
    const g0 = t * gatesPerStep;
    for (let n = 0; n < count; n++) {
      const row = g0 + n * width;
      const out = n * width;
      const k0 = n * units;
      for (let u = 0; u < units; u++) {
        const k = k0 + u;
        const dh = dyv[c0 + k] + mv[k];
        const input = av[row + u];
        const forget = av[row + units + u];
        const cellGate = av[row + 2 * units + u];
        const output = av[row + 3 * units + u];
        const tanhC = tv[c0 + k];
        const cPrev = cv[p0 + k];
        const dc = dh * output * (1 - tanhC * tanhC) + carry[k];
        carry[k] = dc * forget;
        dzs[out + u] = dc * (2 * cellGate - 1) * input * (1 - input);
        dzs[out + units + u] = dc * cPrev * forget * (1 - forget);
        dzs[out + 2 * units + u] = dc * 2 * input * cellGate * (1 - cellGate);
        dzs[out + 3 * units + u] = dh * tanhC * output * (1 - output);
      }
    }
    ops.view(dz).set(dzs, g0);
    if (fromNext !== undefined) ops.dispose(fromNext);
  }
  ops.dispose(recurrentT, dzStep);

  // [x_t, h_{t-1}, 1]ᵀ, one column per (step, sample): [inputSize + u + 1, rows].
  const depth = inputSize + units + 1;
  const stepInputsT = ops.empty([1, depth, rows]);
  {
    const sv = ops.view(stepInputsT);
    transposeInto(ops.view(x), sv, 0, rows, inputSize, 0, rows);
    const hOffset = inputSize * rows;
    for (let u = 0; u < units; u++) sv.fill(0, hOffset + u * rows, hOffset + u * rows + count);
    transposeInto(ops.view(h), sv, hOffset + count, rows - count, units, 0, rows);
    sv.fill(1, (depth - 1) * rows, depth * rows);
  }
  const dWeights = ops.matMul(stepInputsT, dz);
  ops.dispose(stepInputsT, dz);
  const kernelShape = [inputSize, width];
  const dKernel = ops.empty(kernelShape);
  const dRecurrent = ops.empty([units, width]);
  const dBias = ops.empty([width]);
  const heap = new HeapCopier(ops.backend);
  const from = heap.locate(dWeights);
  heap.copy(heap.locate(dKernel), 0, from, 0, inputSize * width);
  heap.copy(heap.locate(dRecurrent), 0, from, inputSize * width, units * width);
  heap.copy(heap.locate(dBias), 0, from, (inputSize + units) * width, width);
  ops.dispose(dWeights);
  for (const out of [dKernel, dRecurrent, dBias]) {
    const v = ops.view(out);
    for (let row = 0; row < v.length; row += width) {
      for (let j = 2 * units; j < 3 * units; j++) v[row + j] *= 2;
    }
  }
  return [dKernel, dRecurrent, dBias];
}

/**
 * Writes the transpose of `src` [rowCount, cols] (rows from `srcRow`) into
 * `dst` at `dstOffset`, destination row stride `dstStride`: dst[offset +
 * j·stride + i] = src[(srcRow + i)·cols + j]. Blocked for the cache.
 */
function transposeInto(
  src: Float32Array,
  dst: Float32Array,
  dstOffset: number,
  rowCount: number,
  cols: number,
  srcRow: number,
  dstStride: number,
): void {
  const block = 32;
  for (let i0 = 0; i0 < rowCount; i0 += block) {
    const i1 = Math.min(i0 + block, rowCount);
    for (let j0 = 0; j0 < cols; j0 += block) {
      const j1 = Math.min(j0 + block, cols);
      for (let i = i0; i < i1; i++) {
        let s = (srcRow + i) * cols + j0;
        let d = dstOffset + j0 * dstStride + i;
        for (let j = j0; j < j1; j++, s++, d += dstStride) dst[d] = src[s];
      }
    }
  }
}
