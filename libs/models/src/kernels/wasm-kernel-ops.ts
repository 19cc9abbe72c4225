import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { StockKernels } from './stock-kernels';
import { sliceFromHeap } from './wasm-slice';

/** Explicit NHWC padding: rows above/below, columns left/right. */
export interface Padding2D {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * Kernel-level building blocks for Ganglion's WASM kernels: every method
 * calls a stock WASM kernel function directly (no engine, no tape) and
 * returns a TensorInfo the caller owns and must free with `dispose`.
 *
 * Heap views from `view` are only valid until the next allocation (the WASM
 * heap may grow and detach them): take them right before use.
 */
export class WasmKernelOps {
  constructor(
    readonly backend: BackendWasm,
    private readonly stock: StockKernels,
  ) {}

  /** A new float32 tensor on the WASM heap; its contents are undefined. */
  empty(shape: number[]): tf.TensorInfo {
    return this.backend.makeOutput(shape, 'float32');
  }

  /** A new float32 tensor on the WASM heap, filled with zeros. */
  zeros(shape: number[]): tf.TensorInfo {
    const out = this.empty(shape);
    this.view(out).fill(0);
    return out;
  }

  /** A Float32Array over the tensor's bytes on the heap (no copy). */
  view(info: tf.TensorInfo): Float32Array {
    return this.backend.typedArrayFromHeap(info) as Float32Array;
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** Swaps the last two dimensions (a matrix transpose per batch entry). */
  transposeInner(x: tf.TensorInfo): tf.TensorInfo {
    const rank = x.shape.length;
    const perm = Array.from({ length: rank }, (_, i) => i);
    perm[rank - 2] = rank - 1;
    perm[rank - 1] = rank - 2;
    return this.transpose(x, perm);
  }

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  slice(x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
    return sliceFromHeap(this.backend, x, begin, size);
  }

  /** NHWC convolution through the stock (XNNPACK) Conv2D kernel. */
  conv2d(
    x: tf.TensorInfo,
    filter: tf.TensorInfo,
    pad: Padding2D,
    dilations: [number, number] = [1, 1],
  ): tf.TensorInfo {
    const explicit: tf.backend_util.ExplicitPadding = [
      [0, 0],
      [pad.top, pad.bottom],
      [pad.left, pad.right],
      [0, 0],
    ];
    return this.run('Conv2D', { x, filter }, {
      strides: [1, 1],
      pad: explicit,
      dataFormat: 'NHWC',
      dilations,
      dimRoundingMode: undefined,
    });
  }

  /** a × b through the stock BatchMatMul kernel, without transposes. */
  matMul(a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
    return this.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
  }

  /** a × b + bias (bias [n]) through the stock _FusedMatMul kernel (XNNPACK), without transposes or activation. */
  fusedMatMul(a: tf.TensorInfo, b: tf.TensorInfo, bias: tf.TensorInfo): tf.TensorInfo {
    return this.run('_FusedMatMul', { a, b, bias }, { transposeA: false, transposeB: false, activation: 'linear' });
  }

  /** Elementwise logistic sigmoid through the stock (vectorised) kernel. */
  sigmoid(x: tf.TensorInfo): tf.TensorInfo {
    return this.run('Sigmoid', { x }, {});
  }

  /** Frees tensors this class returned (decrements their refcount). */
  dispose(...infos: tf.TensorInfo[]): void {
    for (const info of infos) this.backend.disposeData(info.dataId);
  }

  private run(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: object): tf.TensorInfo {
    return this.stock.kernelFunc(kernelName)({
      inputs,
      backend: this.backend,
      attrs: attrs as tf.NamedAttrMap,
    }) as tf.TensorInfo;
  }
}
