import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Runs shorter than this many elements are copied element by element (a native copy call costs more). */
const SHORT_RUN = 16;

/**
 * Copies runs of elements between tensors on the WASM heap with native
 * `copyWithin` calls on one view of the whole heap: no typed-array view is
 * allocated per run, which is what made run-by-run `set(subarray)` copies
 * cost ~0.3 µs per run. Take a HeapCopier after allocating the outputs
 * (the heap may grow and detach older views) and drop it before the next
 * allocation.
 */
export class HeapCopier {
  private readonly bytes: Uint8Array;
  private readonly words: Int32Array;

  constructor(private readonly backend: BackendWasm) {
    const buffer = (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer;
    this.bytes = new Uint8Array(buffer);
    this.words = new Int32Array(buffer);
  }

  /** Where a tensor's data starts, in elements of its dtype, and its element size in bytes. */
  locate(info: tf.TensorInfo): HeapLocation {
    const data = this.backend.dataIdMap.get(info.dataId) as { memoryOffset: number } | undefined;
    if (data === undefined) throw new Error(`HeapCopier: tensor ${String(info.dataId)} is not on the WASM heap.`);
    const elementBytes = info.dtype === 'bool' ? 1 : 4;
    if (info.dtype === 'string' || info.dtype === 'complex64') {
      throw new Error(`HeapCopier: cannot copy ${info.dtype} tensors; route them to the stock kernel.`);
    }
    return { byteOffset: data.memoryOffset, elementBytes };
  }

  /** Copies `count` elements from element `from` of `src` to element `to` of `dst` (same dtype). */
  copy(dst: HeapLocation, to: number, src: HeapLocation, from: number, count: number): void {
    const eb = src.elementBytes;
    if (count >= SHORT_RUN || eb !== 4) {
      const start = src.byteOffset + from * eb;
      this.bytes.copyWithin(dst.byteOffset + to * eb, start, start + count * eb);
      return;
    }
    const w = this.words; // 4-byte elements copied as bits (a float view could rewrite NaN payloads)
    let s = (src.byteOffset >> 2) + from;
    let d = (dst.byteOffset >> 2) + to;
    for (let k = 0; k < count; k++) w[d++] = w[s++];
  }
}

/** A tensor's place on the WASM heap. */
export interface HeapLocation {
  readonly byteOffset: number;
  readonly elementBytes: number;
}
