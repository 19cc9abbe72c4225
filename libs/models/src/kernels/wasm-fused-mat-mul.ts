import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireFloat32 } from './conv-geometry';
import type { StockKernels } from './stock-kernels';
import { WasmKernelOps } from './wasm-kernel-ops';

const KERNEL = '_FusedMatMul';

/**
 * WASM `_FusedMatMul` (matMul + bias + activation, used by tf.layers.dense
 * and LSTM cells) that transposes operands explicitly before calling the
 * stock kernel, for the same reason as wasmBatchMatMul: the stock kernel's
 * transposed path is a scalar loop ~10× slower than its XNNPACK path.
 * Always, even for tiny products: that loop also gets the bias wrong. It
 * indexes the bias by the flat output index (clamped to the bias length)
 * instead of the column, and adds it (and clamps the activation) once per
 * 48-wide block of the inner dimension. Measured on stock tfjs 4.22 with
 * bias [1, 2, 3], aᵀ·b for a [k, 5] and b [k, 3]: max error 2 at k = 40,
 * 5 at k = 64 (found by wasm-batch-mat-mul.spec.ts).
 */
export function wasmFusedMatMul(stock: StockKernels): tf.KernelConfig {
  const stockFusedMatMul = stock.kernelFunc(KERNEL);
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    if (!transposeA && !transposeB) {
      return stockFusedMatMul({ inputs, backend, attrs });
    }
    requireFloat32(KERNEL, 'wasm', { a, b });
    const ops = new WasmKernelOps(backend as BackendWasm, stock);
    const a2 = transposeA ? ops.transposeInner(a) : a;
    const b2 = transposeB ? ops.transposeInner(b) : b;
    try {
      return stockFusedMatMul({
        inputs: { ...inputs, a: a2, b: b2 },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      if (transposeA) ops.dispose(a2);
      if (transposeB) ops.dispose(b2);
    }
  };
  return { kernelName: KERNEL, backendName: 'wasm', kernelFunc };
}
