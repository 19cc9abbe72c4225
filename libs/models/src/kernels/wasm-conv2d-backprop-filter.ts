import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ConvBackpropAttrs, ConvGeometry, convGeometry, requireFloat32 } from './conv-geometry';
import type { StockKernels } from './stock-kernels';
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
 * That runs on the stock XNNPACK Conv2D kernel (measured faster here than
 * im2col + BatchMatMul; see kernel-timings.ts).
 */
export function wasmConv2DBackpropFilter(stock: StockKernels): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = attrs as unknown as ConvBackpropAttrs & { filterShape: [number, number, number, number] };
    requireFloat32(KERNEL, 'wasm', { x, dy });
    const g = convGeometry(KERNEL, 'wasm', x.shape, a.filterShape, a);
    assertDyShape(g, dy);
    const ops = new WasmKernelOps(backend as BackendWasm, stock);
    return filterGradByDilatedConv(ops, x, dy, g);
  };
  return { kernelName: KERNEL, backendName: 'wasm', kernelFunc };
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
