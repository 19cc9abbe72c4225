/**
 * Naive float64 reference implementations of the convolution and matrix
 * kernels, NHWC, dilation 1, for checking Ganglion's training kernels.
 * Deliberately the plainest possible loops: they define what is right.
 */

/** Geometry of a reference convolution (forward direction). */
export interface ReferenceConv {
  /** [batch, height, width, channels] of the forward input x. */
  inputShape: [number, number, number, number];
  /** [filterHeight, filterWidth, inChannels, outChannels]. */
  filterShape: [number, number, number, number];
  stride: number;
  /** TensorFlow 'same'/'valid', or explicit [top, bottom, left, right]. */
  padding: ReferencePadding;
}

/** Padding of a reference convolution. */
export type ReferencePadding = 'same' | 'valid' | [number, number, number, number];

/** Output size and leading padding of one axis, as TensorFlow computes them. */
export function referenceAxis(
  inSize: number,
  filterSize: number,
  stride: number,
  padding: 'same' | 'valid' | [number, number],
): { outSize: number; padBefore: number } {
  if (Array.isArray(padding)) {
    const [before, after] = padding;
    return { outSize: Math.floor((inSize + before + after - filterSize) / stride) + 1, padBefore: before };
  }
  if (padding === 'valid') {
    return { outSize: Math.ceil((inSize - filterSize + 1) / stride), padBefore: 0 };
  }
  const outSize = Math.ceil(inSize / stride);
  const total = Math.max((outSize - 1) * stride + filterSize - inSize, 0);
  return { outSize, padBefore: Math.floor(total / 2) };
}

/** Calls visit(xIndex, wIndex, yIndex) for every multiply of the convolution. */
function forEachTap(
  conv: ReferenceConv,
  visit: (xIndex: number, wIndex: number, yIndex: number) => void,
): [number, number, number, number] {
  const [batch, inH, inW, inC] = conv.inputShape;
  const [kH, kW, , outC] = conv.filterShape;
  const rows = referenceAxis(inH, kH, conv.stride, axisPadding(conv.padding, 0));
  const cols = referenceAxis(inW, kW, conv.stride, axisPadding(conv.padding, 1));
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < rows.outSize; oh++) {
      for (let ow = 0; ow < cols.outSize; ow++) {
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * conv.stride + kh - rows.padBefore;
          if (ih < 0 || ih >= inH) continue;
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * conv.stride + kw - cols.padBefore;
            if (iw < 0 || iw >= inW) continue;
            for (let ci = 0; ci < inC; ci++) {
              for (let co = 0; co < outC; co++) {
                visit(
                  ((b * inH + ih) * inW + iw) * inC + ci,
                  ((kh * kW + kw) * inC + ci) * outC + co,
                  ((b * rows.outSize + oh) * cols.outSize + ow) * outC + co,
                );
              }
            }
          }
        }
      }
    }
  }
  return [batch, rows.outSize, cols.outSize, outC];
}

/** Output shape of the forward convolution. */
export function referenceOutputShape(conv: ReferenceConv): [number, number, number, number] {
  const [batch, inH, inW] = conv.inputShape;
  const [kH, kW, , outC] = conv.filterShape;
  return [
    batch,
    referenceAxis(inH, kH, conv.stride, axisPadding(conv.padding, 0)).outSize,
    referenceAxis(inW, kW, conv.stride, axisPadding(conv.padding, 1)).outSize,
    outC,
  ];
}

/** The padding as tfjs ops and kernels take it ('same', 'valid' or NHWC explicit). */
export function tfjsPadding(
  padding: ReferencePadding,
): 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]] {
  if (!Array.isArray(padding)) return padding;
  const [top, bottom, left, right] = padding;
  return [[0, 0], [top, bottom], [left, right], [0, 0]];
}

function axisPadding(padding: ReferencePadding, axis: 0 | 1): 'same' | 'valid' | [number, number] {
  if (!Array.isArray(padding)) return padding;
  return axis === 0 ? [padding[0], padding[1]] : [padding[2], padding[3]];
}

/** y = conv2d(x, w). */
export function referenceConv2D(conv: ReferenceConv, x: ArrayLike<number>, w: ArrayLike<number>): Float64Array {
  const y = new Float64Array(size(referenceOutputShape(conv)));
  forEachTap(conv, (xi, wi, yi) => {
    y[yi] += x[xi] * w[wi];
  });
  return y;
}

/** dW of the forward convolution, given x and dy. */
export function referenceConv2DBackpropFilter(
  conv: ReferenceConv,
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
): Float64Array {
  const dw = new Float64Array(size(conv.filterShape));
  forEachTap(conv, (xi, wi, yi) => {
    dw[wi] += x[xi] * dy[yi];
  });
  return dw;
}

/** dx of the forward convolution (also conv2dTranspose of dy), given w and dy. */
export function referenceConv2DBackpropInput(
  conv: ReferenceConv,
  w: ArrayLike<number>,
  dy: ArrayLike<number>,
): Float64Array {
  const dx = new Float64Array(size(conv.inputShape));
  forEachTap(conv, (xi, wi, yi) => {
    dx[xi] += w[wi] * dy[yi];
  });
  return dx;
}

/** op(a) × op(b) for rank-2 a, b, with op a transpose when asked. */
export function referenceMatMul(
  a: ArrayLike<number>,
  aShape: [number, number],
  b: ArrayLike<number>,
  bShape: [number, number],
  transposeA: boolean,
  transposeB: boolean,
): Float64Array {
  const [m, k] = transposeA ? [aShape[1], aShape[0]] : aShape;
  const n = transposeB ? bShape[0] : bShape[1];
  const at = (i: number, p: number) => (transposeA ? a[p * aShape[1] + i] : a[i * aShape[1] + p]);
  const bt = (p: number, j: number) => (transposeB ? b[j * bShape[1] + p] : b[p * bShape[1] + j]);
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += at(i, p) * bt(p, j);
      out[i * n + j] = sum;
    }
  }
  return out;
}

/**
 * The error measure the kernel tests use: max |got − ref| / max |ref|
 * (0 when both are all zeros).
 */
export function relativeError(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (got.length !== ref.length) {
    throw new Error(`relativeError: lengths differ (${got.length} vs ${ref.length})`);
  }
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - ref[i]));
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
  }
  if (maxRef === 0) return maxDiff === 0 ? 0 : Infinity;
  return maxDiff / maxRef;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
