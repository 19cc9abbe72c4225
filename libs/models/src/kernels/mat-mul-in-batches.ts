import * as tf from '@tensorflow/tfjs';
import type { WasmKernelOps } from './wasm-kernel-ops';

/** One plain (untransposed) product of two rank-3 operands with batch 1. */
export type MatrixProduct = (a: tf.TensorInfo, b: tf.TensorInfo) => tf.TensorInfo;

/**
 * a · b for untransposed operands a [...outerA, m, k] and b [...outerB, k, n]
 * with more than one matrix, as products the stock WASM kernels send to
 * XNNPACK (they only do so for batch 1): one product of all of a's rows when
 * b is shared, else one product per batch entry. Returns null for batch
 * shapes that neither is (mixed broadcasting), which the caller leaves to
 * the stock kernel.
 *
 * The stock kernels run batched products on a scalar loop that is slow and,
 * with a bias (_FusedMatMul), wrong: see wasm-fused-mat-mul.ts.
 */
export function matMulInBatches(
  ops: WasmKernelOps,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  multiply: MatrixProduct,
): tf.TensorInfo | null {
  const rankA = a.shape.length;
  const rankB = b.shape.length;
  const [m, k] = a.shape.slice(rankA - 2);
  const n = b.shape[rankB - 1];
  const outerA = a.shape.slice(0, rankA - 2);
  const outerB = b.shape.slice(0, rankB - 2);
  const batchA = tf.util.sizeFromShape(outerA);
  const batchB = tf.util.sizeFromShape(outerB);
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  const outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
  const outShape = [...outer, m, n];
  if (batchB === 1) {
    const a2 = ops.reshape(a, [1, batchA * m, k]);
    const b2 = ops.reshape(b, [1, k, n]);
    const product = multiply(a2, b2);
    ops.dispose(a2, b2);
    const out = ops.reshape(product, outShape);
    ops.dispose(product);
    return out;
  }
  const a3 = ops.reshape(a, [batchA, m, k]);
  const b3 = ops.reshape(b, [batchB, k, n]);
  const out = ops.empty(outShape);
  for (let i = 0; i < batchB; i++) {
    const ai = ops.slice(a3, [batchA === 1 ? 0 : i, 0, 0], [1, m, k]);
    const bi = ops.slice(b3, [i, 0, 0], [1, k, n]);
    const product = multiply(ai, bi);
    ops.view(out).set(ops.view(product), i * m * n);
    ops.dispose(ai, bi, product);
  }
  ops.dispose(a3, b3);
  return out;
}
