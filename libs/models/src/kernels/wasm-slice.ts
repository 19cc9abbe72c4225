import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { StockKernels } from './stock-kernels';
import { HeapCopier } from './wasm-heap';

/**
 * WASM `Slice`, `Unpack` and `SplitV` that read their input through a view
 * of the WASM heap. The stock kernels copy the whole input out of the heap
 * (`readSync`) for every slice they take, so unstacking a [64, 28, 28]
 * sequence into 28 steps copies it 28 times: 18 ms per Unpack in the LSTM
 * backward pass, against well under 1 ms here. String tensors go to the
 * stock kernels.
 */
export function wasmSlice(stock: StockKernels): tf.KernelConfig {
  const stockSlice = stock.kernelFunc('Slice');
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string') return stockSlice({ inputs, backend, attrs });
    const { begin, size } = attrs as unknown as tf.SliceAttrs;
    return sliceFromHeap(backend as BackendWasm, x, begin, size);
  };
  return { kernelName: 'Slice', backendName: 'wasm', kernelFunc };
}

/** See wasmSlice. */
export function wasmUnpack(stock: StockKernels): tf.KernelConfig {
  const stockUnpack = stock.kernelFunc('Unpack');
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { value } = inputs as { value: tf.TensorInfo };
    if (value.dtype === 'string') return stockUnpack({ inputs, backend, attrs });
    const rank = value.shape.length;
    const axis = ((attrs as unknown as tf.UnpackAttrs).axis + rank) % rank;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const begin = new Array<number>(rank).fill(0);
    const size = [...value.shape];
    size[axis] = 1;
    const outs: tf.TensorInfo[] = [];
    for (let i = 0; i < value.shape[axis]; i++) {
      begin[axis] = i;
      const out = sliceFromHeap(backend as BackendWasm, value, begin, size);
      outs.push({ dataId: out.dataId, dtype: out.dtype, shape: outShape });
    }
    return outs;
  };
  return { kernelName: 'Unpack', backendName: 'wasm', kernelFunc };
}

/** See wasmSlice. */
export function wasmSplitV(stock: StockKernels): tf.KernelConfig {
  const stockSplitV = stock.kernelFunc('SplitV');
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string') return stockSplitV({ inputs, backend, attrs });
    const { numOrSizeSplits, axis } = attrs as unknown as tf.SplitVAttrs;
    const $axis = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, $axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[$axis] = s;
      const out = sliceFromHeap(backend as BackendWasm, x, begin, size);
      begin[$axis] += s;
      return out;
    });
  };
  return { kernelName: 'SplitV', backendName: 'wasm', kernelFunc };
}

/** Copies x[begin : begin + size] into a new heap tensor, run by contiguous run. */
export function sliceFromHeap(
  backend: BackendWasm,
  x: tf.TensorInfo,
  begin: number | number[],
  size?: number | number[],
): tf.TensorInfo {
  const [b, s] = tf.slice_util.parseSliceParams(x, begin, size);
  const out = backend.makeOutput(s, x.dtype);
  const count = tf.util.sizeFromShape(s);
  if (count === 0) return out;
  const heap = new HeapCopier(backend); // taken after the allocation above, which may have grown the heap
  const src = heap.locate(x);
  const dst = heap.locate(out);
  const strides = tf.util.computeStrides(x.shape);
  if (tf.slice_util.isSliceContinous(x.shape, b, s)) {
    heap.copy(dst, 0, src, tf.slice_util.computeFlatOffset(b, strides), count);
    return out;
  }
  const rank = s.length;
  const inner = s[rank - 1];
  const index = new Array<number>(rank - 1).fill(0);
  let to = 0;
  for (let run = 0; run < count / inner; run++) {
    let from = b[rank - 1];
    for (let d = 0; d < rank - 1; d++) from += (b[d] + index[d]) * strides[d];
    heap.copy(dst, to, src, from, inner);
    to += inner;
    for (let d = rank - 2; d >= 0; d--) {
      if (++index[d] < s[d]) break;
      index[d] = 0;
    }
  }
  return out;
}
