import * as tf from '@tensorflow/tfjs';

/** What tfjs-backend-wasm's BackendWasm shows of where a tensor lies on its heap. */
interface WasmHeapBackend {
  readonly wasm: { readonly HEAPU8: Uint8Array };
  /** tfjs's DataStorage: get() would move data held by another backend, so has() comes first. */
  readonly dataIdMap: { has(dataId: object): boolean; get(dataId: object): { memoryOffset?: number | null } | undefined };
}

/**
 * Copies a float32 tensor's values into `target`, starting at `offset`.
 *
 * On the WASM backend the values are copied straight from the WASM heap.
 * tensor.data() would first copy them into a fresh ArrayBuffer on every
 * call (HEAPU8.slice): in a worker that is one more array per gradient per
 * step, which V8 counts as external memory, and it brings the next full
 * garbage collection closer (BENCHMARKS.md, "What allocates in a worker's
 * step"). Other backends go through tensor.data(): webgpu in Node has no
 * synchronous read.
 */
export async function copyTensorValues(tensor: tf.Tensor, target: Float32Array, offset: number): Promise<void> {
  if (tensor.dtype !== 'float32') {
    throw new Error(`copyTensorValues: the tensor is ${tensor.dtype}; only float32 values can be copied into a Float32Array.`);
  }
  if (offset < 0 || offset + tensor.size > target.length) {
    throw new Error(`copyTensorValues: ${tensor.size} values do not fit at offset ${offset} of an array of ${target.length}.`);
  }
  const heapOffset = tf.getBackend() === 'wasm' ? wasmHeapOffset(tf.backend() as unknown as WasmHeapBackend, tensor) : undefined;
  if (heapOffset === undefined) {
    target.set((await tensor.data()) as Float32Array, offset);
    return;
  }
  const heap = (tf.backend() as unknown as WasmHeapBackend).wasm.HEAPU8;
  target.set(new Float32Array(heap.buffer, heapOffset, tensor.size), offset);
}

/** Where the tensor's bytes start on the WASM heap, or undefined when they are not there (another backend holds them). */
function wasmHeapOffset(backend: WasmHeapBackend, tensor: tf.Tensor): number | undefined {
  if (backend.wasm?.HEAPU8 === undefined || backend.dataIdMap?.has(tensor.dataId) !== true) return undefined;
  const offset = backend.dataIdMap.get(tensor.dataId)?.memoryOffset;
  return typeof offset === 'number' ? offset : undefined;
}
