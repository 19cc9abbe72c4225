import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ConvBackpropAttrs, ConvGeometry, convGeometry, requireFloat32, validOutputRange } from './conv-geometry';
import type { StockKernels } from './stock-kernels';
import { HeapCopier } from './wasm-heap';
import { WasmKernelOps } from './wasm-kernel-ops';

const KERNEL = 'Conv2DBackpropInput';

/**
 * WASM `Conv2DBackpropInput` (the input gradient of conv2d, and the forward
 * pass of conv2dTranspose) as stride² stride-1 convolutions on the stock
 * XNNPACK Conv2D kernel, one per output phase. The stock kernel is a scalar
 * loop about 10× slower than the forward convolution of the same size.
 *
 * Output rows ih ≡ rh (mod s) only receive filter taps kh ≡ (rh + pt) (mod s),
 * so each phase is a correlation of dy with a small flipped sub-filter whose
 * in/out channels are swapped; the phase outputs are then interleaved.
 * 7x7x128→14x14x64 k5 s2 at batch 64: 39 ms, stock 480 ms.
 *
 * With fewer than 8 input channels (the last layer of an image generator)
 * the phase convolutions have too few output channels for XNNPACK's tiles;
 * there dx = col2im(dy · Wᵀ) is faster: 2.7 vs 8.8 ms for 14x14x64→28x28x1
 * k5 s2 (stock 11.9 ms).
 */
export function wasmConv2DBackpropInput(stock: StockKernels): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = attrs as unknown as ConvBackpropAttrs & { inputShape: [number, number, number, number] };
    requireFloat32(KERNEL, 'wasm', { dy, filter });
    const g = convGeometry(KERNEL, 'wasm', a.inputShape, filter.shape, a);
    const expected = [g.batch, g.outHeight, g.outWidth, g.outChannels];
    if (dy.shape.length !== 4 || expected.some((d, i) => dy.shape[i] !== d)) {
      throw new Error(
        `${KERNEL}: dy has shape [${dy.shape}] but a convolution of input [${a.inputShape}] with ` +
          `filter [${filter.shape}] gives [${expected}]; check strides, padding and inputShape.`,
      );
    }
    const ops = new WasmKernelOps(backend as BackendWasm, stock);
    return chooseInputGradMethod(g) === 'col2im'
      ? inputGradByCol2im(ops, dy, filter, g)
      : inputGradByPhases(ops, dy, filter, g);
  };
  return { kernelName: KERNEL, backendName: 'wasm', kernelFunc };
}

/** How the WASM Conv2DBackpropInput computes dx for a geometry. */
export type InputGradMethod = 'phases' | 'col2im';

/** col2im below 8 input channels (XNNPACK's output-channel tile), phases otherwise. */
export function chooseInputGradMethod(g: ConvGeometry): InputGradMethod {
  return g.inChannels < 8 ? 'col2im' : 'phases';
}

/** dx = col2im(dy · Wᵀ): one matrix product, then a scatter-add on the heap. */
export function inputGradByCol2im(
  ops: WasmKernelOps,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo {
  const ci = g.inChannels;
  const taps = g.filterHeight * g.filterWidth * ci;
  const pixels = g.batch * g.outHeight * g.outWidth;
  const w2 = ops.reshape(filter, [1, taps, g.outChannels]);
  const wT = ops.transposeInner(w2);
  const dy2 = ops.reshape(dy, [1, pixels, g.outChannels]);
  const cols = ops.matMul(dy2, wT);
  ops.dispose(w2, wT, dy2);
  const dx = ops.zeros([g.batch, g.inHeight, g.inWidth, ci]);
  if (ci === 1) {
    scatterAddSingleChannel(ops.view(dx), ops.view(cols), g);
  } else {
    scatterAdd(ops.view(dx), ops.view(cols), g);
  }
  ops.dispose(cols);
  return dx;
}

/** col2im: adds each output pixel's columns (kh, kw, ci) into the input pixels they came from. */
function scatterAdd(d: Float32Array, c: Float32Array, g: ConvGeometry): void {
  const ci = g.inChannels;
  const taps = g.filterHeight * g.filterWidth * ci;
  let n = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++, n++) {
        for (let kh = 0; kh < g.filterHeight; kh++) {
          const ih = oh * g.strideHeight + kh - g.padTop;
          if (ih < 0 || ih >= g.inHeight) continue;
          for (let kw = 0; kw < g.filterWidth; kw++) {
            const iw = ow * g.strideWidth + kw - g.padLeft;
            if (iw < 0 || iw >= g.inWidth) continue;
            const to = ((b * g.inHeight + ih) * g.inWidth + iw) * ci;
            const from = n * taps + (kh * g.filterWidth + kw) * ci;
            for (let k = 0; k < ci; k++) d[to + k] += c[from + k];
          }
        }
      }
    }
  }
}

/**
 * scatterAdd for one input channel, tap by tap and row by row over the
 * outputs whose tap lands inside the input (~30% faster there; the sums
 * come in another order, a rounding-level difference).
 */
function scatterAddSingleChannel(d: Float32Array, c: Float32Array, g: ConvGeometry): void {
  const taps = g.filterHeight * g.filterWidth;
  for (let kh = 0; kh < g.filterHeight; kh++) {
    for (let kw = 0; kw < g.filterWidth; kw++) {
      const [lo, hi] = validOutputRange(g.outWidth, g.inWidth, g.strideWidth, kw, g.padLeft);
      const tap = kh * g.filterWidth + kw;
      for (let b = 0; b < g.batch; b++) {
        for (let oh = 0; oh < g.outHeight; oh++) {
          const ih = oh * g.strideHeight + kh - g.padTop;
          if (ih < 0 || ih >= g.inHeight) continue;
          let to = (b * g.inHeight + ih) * g.inWidth + lo * g.strideWidth + kw - g.padLeft;
          let from = ((b * g.outHeight + oh) * g.outWidth + lo) * taps + tap;
          for (let ow = lo; ow < hi; ow++, to += g.strideWidth, from += taps) d[to] += c[from];
        }
      }
    }
  }
}

/** Taps of one output phase along one spatial axis. */
interface PhaseAxis {
  /** First output index of the phase (0 ≤ first < stride). */
  first: number;
  /** Output rows (or columns) in this phase. */
  count: number;
  /** Filter tap of the phase's first sub-filter entry, before flipping. */
  tap0: number;
  /** Number of filter taps in the phase. */
  taps: number;
  /** dy rows (or columns) the phase reads: [begin, end). */
  begin: number;
  end: number;
  /** Zero padding before/after the dy range for a 'valid' stride-1 conv. */
  padBefore: number;
  padAfter: number;
}

function phaseAxis(
  first: number,
  inSize: number,
  outSize: number,
  filterSize: number,
  stride: number,
  padBefore: number,
): PhaseAxis {
  const count = Math.max(0, Math.ceil((inSize - first) / stride));
  const tap0 = (first + padBefore) % stride;
  const taps = Math.max(0, Math.ceil((filterSize - tap0) / stride));
  // Output i of the phase sums dy[i + shift − t] · w[tap0 + s·t], t < taps.
  const shift = (first + padBefore - tap0) / stride;
  const lo = shift - (taps - 1);
  const hi = count - 1 + shift;
  const begin = Math.max(lo, 0);
  const end = Math.min(hi + 1, outSize);
  return { first, count, tap0, taps, begin, end, padBefore: begin - lo, padAfter: hi + 1 - end };
}

/** dx as one stride-1 convolution per output phase, interleaved. */
export function inputGradByPhases(
  ops: WasmKernelOps,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo {
  const sh = g.strideHeight;
  const sw = g.strideWidth;
  const phases: Array<[PhaseAxis, PhaseAxis]> = [];
  for (let rh = 0; rh < sh; rh++) {
    const rows = phaseAxis(rh, g.inHeight, g.outHeight, g.filterHeight, sh, g.padTop);
    for (let rw = 0; rw < sw; rw++) {
      const cols = phaseAxis(rw, g.inWidth, g.outWidth, g.filterWidth, sw, g.padLeft);
      phases.push([rows, cols]);
    }
  }
  const shape = [g.batch, g.inHeight, g.inWidth, g.inChannels];
  // Phases without taps or dy rows leave their outputs zero.
  const dx = phases.every(([r, c]) => isEmpty(r, c) || hasWork(r, c)) ? ops.empty(shape) : ops.zeros(shape);
  for (const [rows, cols] of phases) {
    if (!hasWork(rows, cols)) continue;
    const part = phaseConv(ops, dy, filter, g, rows, cols);
    if (sh === 1 && sw === 1) {
      ops.dispose(dx);
      return part;
    }
    scatterPhase(ops, part, dx, g, rows, cols);
    ops.dispose(part);
  }
  return dx;
}

/** Whether a phase has no output positions at all. */
function isEmpty(rows: PhaseAxis, cols: PhaseAxis): boolean {
  return rows.count === 0 || cols.count === 0;
}

/** Whether a phase has outputs that receive at least one filter tap. */
function hasWork(rows: PhaseAxis, cols: PhaseAxis): boolean {
  const axisWorks = (a: PhaseAxis) => a.count > 0 && a.taps > 0 && a.end > a.begin;
  return axisWorks(rows) && axisWorks(cols);
}

function phaseConv(
  ops: WasmKernelOps,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
  rows: PhaseAxis,
  cols: PhaseAxis,
): tf.TensorInfo {
  const ci = g.inChannels;
  const co = g.outChannels;
  // Sub-filter [taps_h, taps_w, CO, CI]: flipped taps, in/out channels swapped.
  const sub = ops.empty([rows.taps, cols.taps, co, ci]);
  const w = ops.view(filter);
  const s = ops.view(sub);
  for (let a = 0; a < rows.taps; a++) {
    const kh = rows.tap0 + g.strideHeight * (rows.taps - 1 - a);
    for (let b = 0; b < cols.taps; b++) {
      const kw = cols.tap0 + g.strideWidth * (cols.taps - 1 - b);
      const src = (kh * g.filterWidth + kw) * ci * co;
      const dst = (a * cols.taps + b) * co * ci;
      for (let i = 0; i < ci; i++) {
        const srcRow = src + i * co;
        for (let o = 0; o < co; o++) s[dst + o * ci + i] = w[srcRow + o];
      }
    }
  }
  let input = dy;
  if (rows.begin > 0 || cols.begin > 0 || rows.end < g.outHeight || cols.end < g.outWidth) {
    input = ops.slice(dy, [0, rows.begin, cols.begin, 0], [g.batch, rows.end - rows.begin, cols.end - cols.begin, co]);
  }
  const pad = { top: rows.padBefore, bottom: rows.padAfter, left: cols.padBefore, right: cols.padAfter };
  const out = ops.conv2d(input, sub, pad);
  if (input !== dy) ops.dispose(input);
  ops.dispose(sub);
  return out;
}

function scatterPhase(
  ops: WasmKernelOps,
  part: tf.TensorInfo,
  dx: tf.TensorInfo,
  g: ConvGeometry,
  rows: PhaseAxis,
  cols: PhaseAxis,
): void {
  const heap = new HeapCopier(ops.backend);
  const src = heap.locate(part);
  const dst = heap.locate(dx);
  const c = g.inChannels;
  const rowStride = g.inWidth * c;
  let from = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let i = 0; i < rows.count; i++) {
      const rowStart = (b * g.inHeight + rows.first + g.strideHeight * i) * rowStride;
      for (let j = 0; j < cols.count; j++, from += c) {
        heap.copy(dst, rowStart + (cols.first + g.strideWidth * j) * c, src, from, c);
      }
    }
  }
}
