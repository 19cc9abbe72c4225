import * as tf from '@tensorflow/tfjs';
import { ConvBackpropAttrs, convGeometry, requireFloat32 } from './conv-geometry';

const KERNEL = 'Conv2DBackpropFilter';

/** The part of the CPU backend (MathBackendCPU) this kernel uses. */
interface CpuBackend {
  readSync(dataId: object): tf.backend_util.BackendValues;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
}

/**
 * CPU `Conv2DBackpropFilter` as a rank-1 update per output pixel over flat
 * typed arrays: for each (b, oh, ow) and each filter tap, dW[kh,kw,ci,:] +=
 * x[b,ih,iw,ci] · dy[b,oh,ow,:], the innermost loop running over contiguous
 * output channels. The stock kernel reads each element through
 * TensorBuffer.get in the innermost loop and takes minutes per training step
 * on the DCGAN shapes. Accumulates in float64.
 */
export function cpuConv2DBackpropFilter(): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = attrs as unknown as ConvBackpropAttrs & { filterShape: [number, number, number, number] };
    requireFloat32(KERNEL, 'cpu', { x, dy });
    const g = convGeometry(KERNEL, 'cpu', x.shape, a.filterShape, a);
    const cpu = backend as unknown as CpuBackend;
    const xv = cpu.readSync(x.dataId) as Float32Array;
    const dyv = cpu.readSync(dy.dataId) as Float32Array;
    const { batch, inHeight, inWidth, inChannels: ci, outChannels: co } = g;
    const dw = new Float64Array(g.filterHeight * g.filterWidth * ci * co);
    for (let b = 0; b < batch; b++) {
      for (let oh = 0; oh < g.outHeight; oh++) {
        for (let ow = 0; ow < g.outWidth; ow++) {
          const dyOff = ((b * g.outHeight + oh) * g.outWidth + ow) * co;
          for (let kh = 0; kh < g.filterHeight; kh++) {
            const ih = oh * g.strideHeight + kh - g.padTop;
            if (ih < 0 || ih >= inHeight) continue;
            for (let kw = 0; kw < g.filterWidth; kw++) {
              const iw = ow * g.strideWidth + kw - g.padLeft;
              if (iw < 0 || iw >= inWidth) continue;
              const xOff = ((b * inHeight + ih) * inWidth + iw) * ci;
              const wOff = (kh * g.filterWidth + kw) * ci * co;
              for (let c = 0; c < ci; c++) {
                const xc = xv[xOff + c];
                if (xc === 0) continue;
                const row = wOff + c * co;
                for (let o = 0; o < co; o++) dw[row + o] += xc * dyv[dyOff + o];
              }
            }
          }
        }
      }
    }
    return cpu.makeTensorInfo(
      [g.filterHeight, g.filterWidth, ci, co],
      'float32',
      Float32Array.from(dw),
    );
  };
  return { kernelName: KERNEL, backendName: 'cpu', kernelFunc };
}
