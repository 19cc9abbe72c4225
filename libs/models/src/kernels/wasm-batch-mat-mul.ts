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
    const a2 = transposeA ? ops.transposeInner(a) : a;
    const b2 = transposeB ? ops.transposeInner(b) : b;
    const plain = (x: tf.TensorInfo, y: tf.TensorInfo) =>
      stockBatchMatMul({
        inputs: { a: x, b: y },
        backend,
        attrs: { transposeA: false, transposeB: false },
      }) as tf.TensorInfo;
    try {
      return (batched ? matMulInBatches(ops, a2, b2, plain) : null) ?? plain(a2, b2);
    } finally {
      if (transposeA) ops.dispose(a2);
      if (transposeB) ops.dispose(b2);
    }
  };
  return { kernelName: KERNEL, backendName: 'wasm', kernelFunc };
}

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
