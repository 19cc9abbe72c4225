import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ConvBackpropAttrs, ConvGeometry, convGeometry, requireFloat32, validOutputRange } from './conv-geometry';
import type { StockKernels } from './stock-kernels';
import { swapSavesPacking } from './wasm-batch-mat-mul';
import { WasmKernelOps } from './wasm-kernel-ops';

const KERNEL = 'Conv2DBackpropFilter';

/**
 * WASM `Conv2DBackpropFilter`, which stock tfjs 4.22 lacks (so conv models
 * cannot train on WASM without it).
 *
 * The filter gradient dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s+kh−pt, ow·s+kw−pl, ci]
 * · dy[b,oh,ow,co] is itself a convolution: with the input channels ci as the
 * batch, the batch b as the input channels, and dy as a filter dilated by
 * the stride, conv(xᵀ [CI,H,W,B], dyᵀ [OH,OW,B,CO]) = dWᵀ [CI,KH,KW,CO].
 * That runs on the stock XNNPACK Conv2D kernel, after two transposes.
 *
 * When the im2col matrix is smaller than what those transposes move (few
 * input channels, e.g. a first layer on 1-channel images), dW = patchesᵀ · dy
 * with the patches gathered in JavaScript is faster: 2.4 vs 7.1 ms for
 * 28x28x1→14x14x64 k5 s2 at batch 64, while for 14x14x64→7x7x128 the
 * dilated convolution wins narrowly (45 vs 47 ms). chooseFilterGradMethod
 * picks by that size comparison.
 */
export function wasmConv2DBackpropFilter(stock: StockKernels): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = attrs as unknown as ConvBackpropAttrs & { filterShape: [number, number, number, number] };
    requireFloat32(KERNEL, 'wasm', { x, dy });
    const g = convGeometry(KERNEL, 'wasm', x.shape, a.filterShape, a);
    assertDyShape(g, dy);
    const ops = new WasmKernelOps(backend as BackendWasm, stock);
    return chooseFilterGradMethod(g) === 'im2col'
      ? filterGradByIm2col(ops, x, dy, g)
      : filterGradByDilatedConv(ops, x, dy, g);
  };
  return { kernelName: KERNEL, backendName: 'wasm', kernelFunc };
}

/** How the WASM Conv2DBackpropFilter computes dW for a geometry. */
export type FilterGradMethod = 'im2col' | 'dilated-conv';

/**
 * im2col when the patch matrix (KH·KW·CI × B·OH·OW floats, written in JS) is
 * smaller than the data the dilated convolution transposes (x twice, dy three
 * times counting the copy XNNPACK makes of its filter).
 */
export function chooseFilterGradMethod(g: ConvGeometry): FilterGradMethod {
  const patches = g.filterHeight * g.filterWidth * g.inChannels * g.batch * g.outHeight * g.outWidth;
  const x = g.batch * g.inHeight * g.inWidth * g.inChannels;
  const dy = g.batch * g.outHeight * g.outWidth * g.outChannels;
  return patches < 2 * x + 3 * dy ? 'im2col' : 'dilated-conv';
}

/**
 * dW = patchesᵀ · dy, the transposed patch matrix gathered on the heap;
 * or, where XNNPACK's packing of the fresh dy (its right-hand operand)
 * would cost more than transposing it (swapSavesPacking: few taps, many
 * output channels, e.g. 28x28x1→14x14x32 k3, 1.25 → 0.64 ms for the product),
 * dWᵀ = dyᵀ · patches with the patches gathered row by row.
 */
export function filterGradByIm2col(
  ops: WasmKernelOps,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo {
  const ci = g.inChannels;
  const rows = g.filterHeight * g.filterWidth * ci;
  const cols = g.batch * g.outHeight * g.outWidth;
  if (swapSavesPacking(cols, rows, g.outChannels)) return filterGradByIm2colSwapped(ops, x, dy, g);
  const patchesT = ops.empty([1, rows, cols]);
  const p = ops.view(patchesT);
  const xv = ops.view(x);
  if (ci === 1) {
    gatherSingleChannelPatchesT(p, xv, g);
  } else {
    gatherPatchesT(p, xv, g);
  }
  const dy2 = ops.reshape(dy, [1, cols, g.outChannels]);
  const dw = ops.matMul(patchesT, dy2);
  ops.dispose(patchesT, dy2);
  const out = ops.reshape(dw, [g.filterHeight, g.filterWidth, ci, g.outChannels]);
  ops.dispose(dw);
  return out;
}

/** dWᵀ = dyᵀ · patches, transposed back: the patch matrix is packed by XNNPACK instead of dy. */
function filterGradByIm2colSwapped(ops: WasmKernelOps, x: tf.TensorInfo, dy: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo {
  const taps = g.filterHeight * g.filterWidth * g.inChannels;
  const pixels = g.batch * g.outHeight * g.outWidth;
  const patches = ops.empty([1, pixels, taps]);
  gatherPatches(ops.view(patches), ops.view(x), g);
  const dy2 = ops.reshape(dy, [1, pixels, g.outChannels]);
  const dyT = ops.transposeInner(dy2);
  ops.dispose(dy2);
  const dwT = ops.matMul(dyT, patches);
  ops.dispose(dyT, patches);
  const dw2 = ops.transposeInner(dwT);
  ops.dispose(dwT);
  const out = ops.reshape(dw2, [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels]);
  ops.dispose(dw2);
  return out;
}

/**
 * The patch matrix, row (b, oh, ow) and column (kh, kw, ci) holding
 * x[b, oh·s + kh − pt, ow·s + kw − pl, ci] (0 in the padding): per row and
 * filter row, one contiguous run of x.
 */
function gatherPatches(p: Float32Array, xv: Float32Array, g: ConvGeometry): void {
  const ci = g.inChannels;
  const rowWidth = g.filterWidth * ci;
  const taps = g.filterHeight * rowWidth;
  let n = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++, n++) {
        const iw0 = ow * g.strideWidth - g.padLeft;
        const kw0 = Math.max(0, -iw0);
        const kw1 = Math.min(g.filterWidth, g.inWidth - iw0);
        for (let kh = 0; kh < g.filterHeight; kh++) {
          const ih = oh * g.strideHeight + kh - g.padTop;
          const start = n * taps + kh * rowWidth;
          if (ih < 0 || ih >= g.inHeight || kw1 <= kw0) {
            p.fill(0, start, start + rowWidth);
            continue;
          }
          if (kw0 > 0) p.fill(0, start, start + kw0 * ci);
          if (kw1 < g.filterWidth) p.fill(0, start + kw1 * ci, start + rowWidth);
          const from = ((b * g.inHeight + ih) * g.inWidth + iw0 + kw0) * ci;
          const to = start + kw0 * ci;
          const count = (kw1 - kw0) * ci;
          for (let j = 0; j < count; j++) p[to + j] = xv[from + j];
        }
      }
    }
  }
}

/**
 * The transposed patch matrix, row (kh, kw, ci) and column (b, oh, ow)
 * holding x[b, oh·s + kh − pt, ow·s + kw − pl, ci] (0 in the padding), one
 * column at a time: each input pixel's channels are read once, in order.
 */
function gatherPatchesT(p: Float32Array, xv: Float32Array, g: ConvGeometry): void {
  const ci = g.inChannels;
  const cols = g.batch * g.outHeight * g.outWidth;
  for (let kh = 0; kh < g.filterHeight; kh++) {
    for (let kw = 0; kw < g.filterWidth; kw++) {
      const row0 = (kh * g.filterWidth + kw) * ci;
      let n = 0;
      for (let b = 0; b < g.batch; b++) {
        for (let oh = 0; oh < g.outHeight; oh++) {
          const ih = oh * g.strideHeight + kh - g.padTop;
          const rowInside = ih >= 0 && ih < g.inHeight;
          for (let ow = 0; ow < g.outWidth; ow++, n++) {
            const iw = ow * g.strideWidth + kw - g.padLeft;
            if (!rowInside || iw < 0 || iw >= g.inWidth) {
              for (let c = 0; c < ci; c++) p[(row0 + c) * cols + n] = 0;
              continue;
            }
            const from = ((b * g.inHeight + ih) * g.inWidth + iw) * ci;
            for (let c = 0; c < ci; c++) p[(row0 + c) * cols + n] = xv[from + c];
          }
        }
      }
    }
  }
}

/**
 * gatherPatchesT for one input channel, row by row: a row's columns for one
 * input row are a strided run of x, with zeros for the taps that fall in the
 * padding (~30% faster than column by column there).
 */
function gatherSingleChannelPatchesT(p: Float32Array, xv: Float32Array, g: ConvGeometry): void {
  const cols = g.batch * g.outHeight * g.outWidth;
  const width = g.outWidth;
  for (let kh = 0; kh < g.filterHeight; kh++) {
    for (let kw = 0; kw < g.filterWidth; kw++) {
      const [lo, hi] = validOutputRange(width, g.inWidth, g.strideWidth, kw, g.padLeft);
      const row = (kh * g.filterWidth + kw) * cols;
      for (let b = 0; b < g.batch; b++) {
        for (let oh = 0; oh < g.outHeight; oh++) {
          const start = row + (b * g.outHeight + oh) * width;
          const ih = oh * g.strideHeight + kh - g.padTop;
          if (ih < 0 || ih >= g.inHeight) {
            p.fill(0, start, start + width);
            continue;
          }
          if (lo > 0) p.fill(0, start, start + lo);
          if (hi < width) p.fill(0, start + hi, start + width);
          let from = (b * g.inHeight + ih) * g.inWidth + lo * g.strideWidth + kw - g.padLeft;
          for (let ow = lo; ow < hi; ow++, from += g.strideWidth) p[start + ow] = xv[from];
        }
      }
    }
  }
}

/** dW as a stride-1 convolution of xᵀ with dyᵀ dilated by the stride. */
export function filterGradByDilatedConv(
  ops: WasmKernelOps,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo {
  // Zero rows/columns needed after x so the output is exactly KH × KW;
  // negative means trailing rows the forward conv never read.
  const padBottom = g.filterHeight + (g.outHeight - 1) * g.strideHeight - g.inHeight - g.padTop;
  const padRight = g.filterWidth + (g.outWidth - 1) * g.strideWidth - g.inWidth - g.padLeft;
  let xT = ops.transpose(x, [3, 1, 2, 0]);
  if (padBottom < 0 || padRight < 0) {
    const height = g.inHeight + Math.min(padBottom, 0);
    const width = g.inWidth + Math.min(padRight, 0);
    const cropped = ops.slice(xT, [0, 0, 0, 0], [g.inChannels, height, width, g.batch]);
    ops.dispose(xT);
    xT = cropped;
  }
  const dyT = ops.transpose(dy, [1, 2, 0, 3]);
  const pad = {
    top: g.padTop,
    bottom: Math.max(padBottom, 0),
    left: g.padLeft,
    right: Math.max(padRight, 0),
  };
  const dwT = ops.conv2d(xT, dyT, pad, [g.strideHeight, g.strideWidth]);
  ops.dispose(xT, dyT);
  const dw = ops.transpose(dwT, [1, 2, 0, 3]);
  ops.dispose(dwT);
  return dw;
}

function assertDyShape(g: ConvGeometry, dy: tf.TensorInfo): void {
  const expected = [g.batch, g.outHeight, g.outWidth, g.outChannels];
  if (dy.shape.length !== 4 || expected.some((d, i) => dy.shape[i] !== d)) {
    throw new Error(
      `${KERNEL}: dy has shape [${dy.shape}] but the convolution's output is [${expected}]; ` +
        `check the strides, padding and filterShape passed to conv2DBackpropFilter.`,
    );
  }
}
