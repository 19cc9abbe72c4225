import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireFloat32 } from './conv-geometry';
import { matMulInBatches } from './mat-mul-in-batches';
import type { StockKernels } from './stock-kernels';
import { WasmKernelOps } from './wasm-kernel-ops';

const KERNEL = '_FusedMatMul';

/**
 * WASM `_FusedMatMul` (matMul + bias + activation, used by tf.layers.dense
 * and LSTM cells) that only ever calls the stock kernel on a single
 * untransposed matrix pair, which it sends to XNNPACK. Transposed operands
 * are transposed explicitly first (as in wasmBatchMatMul) and batches are
 * split (matMulInBatches).
 *
 * Always, even for tiny products: the stock kernel's other path, a scalar
 * loop, is not only ~10× slower but gets the bias wrong. It indexes the
 * bias by the flat output index (clamped to the bias length) instead of the
 * column, and adds it (and clamps the activation) once per 48-wide block of
 * the inner dimension. Measured on stock tfjs 4.22 with bias [1, 2, 3]:
 * aᵀ·b for a [k, 5], b [k, 3], max error 2 at k = 40 and 5 at k = 64; a
 * [2, 4, 40] · b [40, 3] with relu, max error 2 (found by
 * wasm-batch-mat-mul.spec.ts). A bias or PReLU weights of any shape other
 * than [n] cannot be split per matrix and stay on the stock kernel.
 */
export function wasmFusedMatMul(stock: StockKernels): tf.KernelConfig {
  const stockFusedMatMul = stock.kernelFunc(KERNEL);
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { a, b, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined> & {
      a: tf.TensorInfo;
      b: tf.TensorInfo;
    };
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    const batched = a.shape.length > 2 && tf.util.sizeFromShape(a.shape.slice(0, -2)) > 1
      || b.shape.length > 2 && tf.util.sizeFromShape(b.shape.slice(0, -2)) > 1;
    const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
    const perColumn = (t: tf.TensorInfo | undefined) => t === undefined || tf.util.sizeFromShape(t.shape) === n;
    if ((!transposeA && !transposeB && !batched) || (batched && !(perColumn(bias) && perColumn(preluActivationWeights)))) {
      return stockFusedMatMul({ inputs, backend, attrs });
    }
    requireFloat32(KERNEL, 'wasm', { a, b });
    const ops = new WasmKernelOps(backend as BackendWasm, stock);
    const a2 = transposeA ? ops.transposeInner(a) : a;
    const b2 = transposeB ? ops.transposeInner(b) : b;
    const fused = (x: tf.TensorInfo, y: tf.TensorInfo) =>
      stockFusedMatMul({
        inputs: { ...inputs, a: x, b: y },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      }) as tf.TensorInfo;
    try {
      return (batched ? matMulInBatches(ops, a2, b2, fused) : null) ?? fused(a2, b2);
    } finally {
      if (transposeA) ops.dispose(a2);
      if (transposeB) ops.dispose(b2);
    }
  };
  return { kernelName: KERNEL, backendName: 'wasm', kernelFunc };
}
