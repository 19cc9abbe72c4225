import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireFloat32 } from './conv-geometry';
import { matMulInBatches } from './mat-mul-in-batches';
import type { StockKernels } from './stock-kernels';
import { WasmKernelOps } from './wasm-kernel-ops';

const KERNEL = 'BatchMatMul';

/**
 * WASM `BatchMatMul` that sends what it can to XNNPACK.
 *
 * Stock tfjs 4.22 sends transposeA/transposeB, and any batch of more than
 * one matrix, to a scalar blocked loop (0.4–1.9 GFLOP/s here); only the
 * plain single-matrix case reaches XNNPACK (~25 GFLOP/s). Dense and LSTM
 * backward passes are all transposed products, so this kernel transposes
 * the operands explicitly with the stock Transpose kernel and then calls the
 * stock kernel with no transposes (matMulInBatches splits batches): dense
 * 100→6272 at batch 64, dX = dy·Wᵀ 6.2 ms (stock 30.2), dW = xᵀ·dy 2.4 ms
 * (stock 32.3). Products too small to repay the copy (shouldTransposeFirst)
 * stay on the stock loop.
 */
export function wasmBatchMatMul(stock: StockKernels): tf.KernelConfig {
  const stockBatchMatMul = stock.kernelFunc(KERNEL);
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    const batched = a.shape.length > 2 && tf.util.sizeFromShape(a.shape.slice(0, -2)) > 1
      || b.shape.length > 2 && tf.util.sizeFromShape(b.shape.slice(0, -2)) > 1;
    const transposing = shouldTransposeFirst(a, b, transposeA, transposeB);
    if (!transposing && (transposeA || transposeB || !batched)) {
      return stockBatchMatMul({ inputs, backend, attrs });
    }
    requireFloat32(KERNEL, 'wasm', { a, b });
    const ops = new WasmKernelOps(backend as BackendWasm, stock);
    const plainProduct = (x: tf.TensorInfo, y: tf.TensorInfo) =>
      stockBatchMatMul({ inputs: { a: x, b: y }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
    if (!batched && transposeA && !transposeB && shouldSwapOperands(a, b)) {
      // aᵀ·b = (bᵀ·a)ᵀ: a becomes the packed right-hand operand as it is stored.
      const bT = ops.transposeInner(b);
      const productT = plainProduct(bT, a);
      ops.dispose(bT);
      const product = ops.transposeInner(productT);
      ops.dispose(productT);
      return product;
    }
    const a2 = transposeA ? ops.transposeInner(a) : a;
    const b2 = transposeB ? ops.transposeInner(b) : b;
    try {
      return (batched ? matMulInBatches(ops, a2, b2, plainProduct) : null) ?? plainProduct(a2, b2);
    } finally {
      if (transposeA) ops.dispose(a2);
      if (transposeB) ops.dispose(b2);
    }
  };
  return { kernelName: KERNEL, backendName: 'wasm', kernelFunc };
}

/** ns per element, measured here: XNNPACK packing a fresh right-hand operand, and the stock Transpose kernel. */
const PACK_NS = 2.5;
const TRANSPOSE_NS = 1;

/**
 * For aᵀ·b with a [k, m] and b [k, n] (a weight gradient xᵀ·dy), whether
 * computing (bᵀ·a)ᵀ is cheaper. XNNPACK packs the right-hand operand of a
 * product anew for every tensor it has not seen (gradients are always
 * new), at about 2.5 ns per element here, more than a transpose: aᵀ·b
 * transposes a and packs b; (bᵀ·a)ᵀ transposes b, packs a and transposes
 * the m×n result. Swapped only where that is clearly cheaper (SWAP_BELOW).
 */
export function shouldSwapOperands(a: tf.TensorInfo, b: tf.TensorInfo): boolean {
  const [k, m] = a.shape.slice(-2);
  return swapSavesPacking(k, m, b.shape[b.shape.length - 1]);
}

/** shouldSwapOperands by sizes: aᵀ·b with a [k, m] and b [k, n]. */
export function swapSavesPacking(k: number, m: number, n: number): boolean {
  const asIs = TRANSPOSE_NS * k * m + PACK_NS * k * n;
  const swapped = TRANSPOSE_NS * k * n + PACK_NS * k * m + TRANSPOSE_NS * m * n;
  return swapped < SWAP_BELOW * asIs;
}

/**
 * Swap only when the model predicts at most this share of the time: the
 * products' own speed also changes with their shape. Measured at batch 64:
 * zᵀ·dy of a 16→3136 dense layer (predicted 0.50) 0.75 → 0.42 ms; the
 * im2col filter gradient of 28x28x1→14x14x32 k3 (0.61) 1.52 → 1.20 ms; of
 * 28x28x1→14x14x64 k5 (0.68) 4.45 → 5.72 ms, slower, so not swapped.
 */
const SWAP_BELOW = 0.65;

/**
 * Whether to transpose explicitly and use XNNPACK rather than let the stock
 * scalar loop handle the transposes: yes unless there is no transpose, or
 * the product has fewer than two multiply-adds per element to be copied
 * (measured: xᵀ·dy for a 6272→1 dense layer, 0.4 MACs per copied element,
 * takes 0.4 ms on the stock loop and 0.8 ms transposed first).
 */
export function shouldTransposeFirst(
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): boolean {
  if (!transposeA && !transposeB) return false;
  const rankA = a.shape.length;
  const rankB = b.shape.length;
  const m = transposeA ? a.shape[rankA - 1] : a.shape[rankA - 2];
  const k = transposeA ? a.shape[rankA - 2] : a.shape[rankA - 1];
  const n = transposeB ? b.shape[rankB - 2] : b.shape[rankB - 1];
  const batch = Math.max(tf.util.sizeFromShape(a.shape.slice(0, -2)), tf.util.sizeFromShape(b.shape.slice(0, -2)));
  const copied = (transposeA ? tf.util.sizeFromShape(a.shape) : 0) + (transposeB ? tf.util.sizeFromShape(b.shape) : 0);
  return batch * m * n * k >= 2 * copied;
}
