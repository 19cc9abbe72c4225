import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { StockKernels } from './stock-kernels';

/**
 * WASM `Identity` that shares the input's buffer (a reference count, as
 * Reshape and the cpu backend's Identity do) instead of copying it. tfjs
 * calls Identity for every tensor it saves for a backward pass
 * (engine.clone), so the stock kernel's copy cost ~8 ms per DCGAN step.
 * Tensors are immutable (a Variable's assign swaps its buffer, never
 * writes into it), so sharing is safe. String tensors go to the stock kernel.
 */
export function wasmIdentity(stock: StockKernels): tf.KernelConfig {
  const stockIdentity = stock.kernelFunc('Identity');
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string') return stockIdentity({ inputs, backend, attrs });
    (backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
  return { kernelName: 'Identity', backendName: 'wasm', kernelFunc };
}
