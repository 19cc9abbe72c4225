import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { StockKernels } from './stock-kernels';
import { HeapCopier } from './wasm-heap';

/**
 * WASM `Concat` that copies with native copies inside the heap (see
 * HeapCopier). The stock kernel makes a typed-array view per input row, so
 * concatenating four [64, 128] LSTM gate blocks along the last axis (256
 * rows of 128 values) cost ~40 µs, most of it allocating views. String
 * tensors go to the stock kernel.
 */
export function wasmConcat(stock: StockKernels): tf.KernelConfig {
  const stockConcat = stock.kernelFunc('Concat');
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const tensors = inputs as unknown as tf.TensorInfo[];
    if (tensors.length === 0 || tensors[0].dtype === 'string' || tensors[0].dtype === 'complex64') {
      return stockConcat({ inputs, backend, attrs });
    }
    const wasm = backend as BackendWasm;
    const axis = tf.util.parseAxisParam((attrs as unknown as tf.ConcatAttrs).axis, tensors[0].shape)[0];
    tf.backend_util.assertParamsConsistent(
      tensors.map((t) => t.shape),
      axis,
    );
    const outShape = tf.backend_util.computeOutShape(
      tensors.map((t) => t.shape),
      axis,
    );
    const out = wasm.makeOutput(outShape, tensors[0].dtype);
    const parts = tensors.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
    if (parts.length === 0) return out;
    // Viewed as [outer, inner_i]: each output row is the inputs' rows one after the other.
    const outer = tf.util.sizeFromShape(parts[0].shape.slice(0, axis));
    const inner = parts.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)));
    const rowSize = inner.reduce((a, b) => a + b, 0);
    const heap = new HeapCopier(wasm); // after the allocation above
    const dst = heap.locate(out);
    const srcs = parts.map((t) => heap.locate(t));
    let column = 0;
    for (let i = 0; i < parts.length; i++) {
      for (let row = 0; row < outer; row++) heap.copy(dst, row * rowSize + column, srcs[i], row * inner[i], inner[i]);
      column += inner[i];
    }
    return out;
  };
  return { kernelName: 'Concat', backendName: 'wasm', kernelFunc };
}
