import * as tf from '@tensorflow/tfjs';
import { UnsupportedKernelError } from './unsupported-kernel-error';

/** Shapes, strides and paddings of one NHWC 2-D convolution, dilation 1. */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  /** Zero rows added above the input (forward convolution). */
  padTop: number;
  /** Zero columns added left of the input (forward convolution). */
  padLeft: number;
}

/** The attributes the conv backprop kernels receive from tfjs. */
export interface ConvBackpropAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  /** Conv2D attrs carry dilations; the backprop kernels do not. */
  dilations?: [number, number] | number;
}

/**
 * Geometry of the forward convolution `x (inputShape) * filter (filterShape)`
 * whose gradient a backprop kernel computes. Throws UnsupportedKernelError
 * for NCHW or dilations other than 1.
 */
export function convGeometry(
  kernelName: string,
  backendName: string,
  inputShape: readonly number[],
  filterShape: readonly number[],
  attrs: ConvBackpropAttrs,
): ConvGeometry {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new UnsupportedKernelError(kernelName, backendName, `dataFormat '${attrs.dataFormat}'`);
  }
  const dilations = attrs.dilations ?? 1;
  const [dh, dw] = typeof dilations === 'number' ? [dilations, dilations] : dilations;
  if (dh !== 1 || dw !== 1) {
    throw new UnsupportedKernelError(kernelName, backendName, `dilations [${dh}, ${dw}]`);
  }
  if (inputShape.length !== 4 || filterShape.length !== 4) {
    throw new UnsupportedKernelError(
      kernelName,
      backendName,
      `input shape [${inputShape}] with filter shape [${filterShape}] (both must be rank 4)`,
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** Throws UnsupportedKernelError unless every tensor is float32. */
export function requireFloat32(
  kernelName: string,
  backendName: string,
  tensors: Readonly<Record<string, tf.TensorInfo>>,
): void {
  for (const [name, info] of Object.entries(tensors)) {
    if (info.dtype !== 'float32') {
      throw new UnsupportedKernelError(kernelName, backendName, `${name} of dtype ${info.dtype}`);
    }
  }
}

/**
 * The outputs [lo, hi) along one axis whose input index out·stride + tap − pad
 * falls inside [0, inSize): the positions where filter tap `tap` reads data,
 * not padding.
 */
export function validOutputRange(outSize: number, inSize: number, stride: number, tap: number, pad: number): [number, number] {
  const lo = Math.max(0, Math.ceil((pad - tap) / stride));
  const hi = Math.min(outSize, Math.floor((inSize - 1 + pad - tap) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}
