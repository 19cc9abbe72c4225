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

/**
 * WASM `Cast` that shares the buffer when the dtype does not change (tfjs's
 * relu gradient casts its float32 mask to float32: a 1.6 MB copy per conv
 * layer of the VAE); real conversions go to the stock kernel.
 */
export function wasmCast(stock: StockKernels): tf.KernelConfig {
  const stockCast = stock.kernelFunc('Cast');
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const { dtype } = attrs as unknown as tf.CastAttrs;
    if (x.dtype !== dtype || x.dtype === 'string') return stockCast({ inputs, backend, attrs });
    (backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
  return { kernelName: 'Cast', backendName: 'wasm', kernelFunc };
}
