import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireFloat32 } from './conv-geometry';
import type { StockKernels } from './stock-kernels';
import { WasmKernelOps } from './wasm-kernel-ops';

const KERNEL = 'BatchMatMul';

/**
 * WASM `BatchMatMul` that never hands a transpose to the stock kernel.
 *
 * Stock tfjs 4.22 sends transposeA/transposeB to a scalar blocked loop
 * (0.4–1.9 GFLOP/s here) and only the plain case to XNNPACK (~25 GFLOP/s).
 * Dense and LSTM backward passes are all transposed products, so this
 * kernel transposes the operands explicitly with the stock Transpose kernel
 * and then calls the stock kernel with no transposes.
 */
export function wasmBatchMatMul(stock: StockKernels): tf.KernelConfig {
  const stockBatchMatMul = stock.kernelFunc(KERNEL);
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    if (!transposeA && !transposeB) {
      return stockBatchMatMul({ inputs, backend, attrs });
    }
    requireFloat32(KERNEL, 'wasm', { a, b });
    const ops = new WasmKernelOps(backend as BackendWasm, stock);
    const a2 = transposeA ? ops.transposeInner(a) : a;
    const b2 = transposeB ? ops.transposeInner(b) : b;
    try {
      return stockBatchMatMul({
        inputs: { a: a2, b: b2 },
        backend,
        attrs: { transposeA: false, transposeB: false },
      });
    } finally {
      if (transposeA) ops.dispose(a2);
      if (transposeB) ops.dispose(b2);
    }
  };
  return { kernelName: KERNEL, backendName: 'wasm', kernelFunc };
}
