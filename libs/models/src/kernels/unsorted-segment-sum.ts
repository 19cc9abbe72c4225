import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { UnsupportedKernelError } from './unsupported-kernel-error';

const KERNEL = 'UnsortedSegmentSum';

/** The part of the CPU backend (MathBackendCPU) this kernel uses. */
interface CpuBackend {
  readSync(dataId: object): tf.backend_util.BackendValues;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
}

/**
 * WASM `UnsortedSegmentSum`, which stock tfjs 4.22 lacks on WASM; it is the
 * gradient of tf.gather (embedding lookups), so without it nothing that
 * gathers can train there. One pass over x on the heap.
 */
export function wasmUnsortedSegmentSum(): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
    const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
    const wasm = backend as BackendWasm;
    const { outShape, inner } = segmentShape(x, segmentIds, numSegments, 'wasm');
    const out = wasm.makeOutput(outShape, x.dtype);
    const values = wasm.typedArrayFromHeap(out) as Float32Array | Int32Array;
    segmentSum(
      wasm.typedArrayFromHeap(x) as Float32Array | Int32Array,
      wasm.typedArrayFromHeap(segmentIds) as Int32Array,
      inner,
      numSegments,
      values,
    );
    return out;
  };
  return { kernelName: KERNEL, backendName: 'wasm', kernelFunc };
}

/**
 * CPU `UnsortedSegmentSum` in one pass; the stock kernel makes a full
 * masked pass over x per segment (numSegments × size work).
 */
export function cpuUnsortedSegmentSum(): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
    const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
    const cpu = backend as unknown as CpuBackend;
    const { outShape, inner } = segmentShape(x, segmentIds, numSegments, 'cpu');
    const values = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
    segmentSum(
      cpu.readSync(x.dataId) as Float32Array | Int32Array,
      Int32Array.from(cpu.readSync(segmentIds.dataId) as ArrayLike<number>),
      inner,
      numSegments,
      values,
    );
    return cpu.makeTensorInfo(outShape, x.dtype, values);
  };
  return { kernelName: KERNEL, backendName: 'cpu', kernelFunc };
}

function segmentShape(
  x: tf.TensorInfo,
  segmentIds: tf.TensorInfo,
  numSegments: number,
  backendName: string,
): { outShape: number[]; inner: number } {
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new UnsupportedKernelError(KERNEL, backendName, `x of dtype ${x.dtype}`);
  }
  const idsRank = segmentIds.shape.length;
  if (segmentIds.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(
      `${KERNEL}: segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}].`,
    );
  }
  const innerShape = x.shape.slice(idsRank);
  return { outShape: [numSegments, ...innerShape], inner: tf.util.sizeFromShape(innerShape) };
}

/** out[ids[i], :] += x[i, :]; ids outside [0, numSegments) are dropped, as in TensorFlow. */
function segmentSum(
  x: Float32Array | Int32Array,
  ids: Int32Array,
  inner: number,
  numSegments: number,
  out: Float32Array | Int32Array,
): void {
  out.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0 || id >= numSegments) continue;
    const to = id * inner;
    const from = i * inner;
    for (let k = 0; k < inner; k++) out[to + k] += x[from + k];
  }
}
