import * as tf from '@tensorflow/tfjs';
import type { StockKernels } from './stock-kernels';

/** What this kernel reads of tfjs's WebGPUBackend. */
interface WebGpuBackendLimits {
  device?: { limits?: { maxStorageBuffersPerShaderStage?: number } };
}

/** WebGPU's guaranteed minimum of storage buffers per shader stage, used when the device does not say. */
const MIN_STORAGE_BUFFERS = 8;

/**
 * WebGPU `AddN` that sums at most (storage buffers per stage − 1) inputs
 * per shader. Stock tfjs 4.22 binds every input and the output as storage
 * buffers of one shader (AddNPackedProgram) with no limit check, so adding
 * more than 7 tensors on a device with WebGPU's default of 8 (15 with 16)
 * makes an invalid pipeline; tfjs's gradient code adds many at once (the
 * Trainer's NaN check over a VAE's 14 gradients failed this way on Dawn:
 * "The number of storage buffers (15) in the Compute stage exceeds the
 * maximum per-stage limit (8)"), and the result is garbage, not an error.
 * Here the inputs are summed in groups with the stock kernel, then the
 * partial sums likewise, until one group is left.
 */
export function webgpuAddN(stock: StockKernels): tf.KernelConfig {
  const stockAddN = stock.kernelFunc('AddN');
  const kernelFunc: tf.KernelFunc = ({ inputs, backend }) => {
    const tensors = Object.values(inputs) as tf.TensorInfo[];
    const limits = (backend as unknown as WebGpuBackendLimits).device?.limits;
    const group = Math.max(2, (limits?.maxStorageBuffersPerShaderStage ?? MIN_STORAGE_BUFFERS) - 1);
    return sumInGroups(tensors, group, stockAddN, backend as tf.KernelBackend);
  };
  return { kernelName: 'AddN', backendName: 'webgpu', kernelFunc };
}

function sumInGroups(tensors: tf.TensorInfo[], group: number, stockAddN: tf.KernelFunc, backend: tf.KernelBackend): tf.TensorInfo {
  if (tensors.length <= group) return stockAddN({ inputs: tensors as unknown as tf.NamedTensorInfoMap, backend, attrs: {} }) as tf.TensorInfo;
  const partials: tf.TensorInfo[] = [];
  for (let start = 0; start < tensors.length; start += group) {
    const slice = tensors.slice(start, start + group);
    partials.push(stockAddN({ inputs: slice as unknown as tf.NamedTensorInfoMap, backend, attrs: {} }) as tf.TensorInfo);
  }
  const out = sumInGroups(partials, group, stockAddN, backend);
  for (const partial of partials) backend.disposeData(partial.dataId);
  return out;
}
