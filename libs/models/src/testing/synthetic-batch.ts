import type { PixelRange } from '@ganglion/data';
import type { TrainingBatch } from '../generative-model';
import type { ImageShape } from '../image-shape';

/**
 * Structured test images in `range`: image k is a filled rectangle of a
 * third of the height and half the width, placed by k, over a faint
 * horizontal ramp; channel c is the pattern shifted by c columns. Learnable,
 * and different from image to image.
 */
export function patternImages(count: number, shape: ImageShape, range: PixelRange): Float32Array {
  const [height, width, channels] = shape;
  const out = new Float32Array(count * height * width * channels);
  const boxH = Math.max(1, Math.floor(height / 3));
  const boxW = Math.max(1, Math.floor(width / 2));
  for (let k = 0; k < count; k++) {
    const top = (k * 5) % (height - boxH + 1);
    const left = (k * 3) % (width - boxW + 1);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < channels; c++) {
          const xs = (x + c) % width;
          const inBox = y >= top && y < top + boxH && xs >= left && xs < left + boxW;
          const unit = inBox ? 1 : (0.2 * xs) / width;
          out[((k * height + y) * width + x) * channels + c] = range[0] + unit * (range[1] - range[0]);
        }
      }
    }
  }
  return out;
}

/** A batch over the given images, with the given global sample indices and step. */
export function batchOf(images: Float32Array, sampleIndices: readonly number[], step: number): TrainingBatch {
  return { images, count: sampleIndices.length, sampleIndices: Int32Array.from(sampleIndices), step };
}

/** Images `from` (inclusive) to `to` (exclusive) of a batch, with their indices: what one worker would hold. */
export function sliceBatch(batch: TrainingBatch, from: number, to: number): TrainingBatch {
  const pixels = batch.images.length / batch.count;
  return {
    images: batch.images.slice(from * pixels, to * pixels),
    count: to - from,
    sampleIndices: batch.sampleIndices.slice(from, to),
    step: batch.step,
  };
}

/**
 * The lowest mean binary cross-entropy (nats per image) any model can reach
 * on these [0, 1] targets: the summed entropy of each value. Loss-decrease
 * checks compare the excess above it, since soft targets keep BCE above zero.
 */
export function entropyFloor(images: Float32Array, count: number): number {
  let total = 0;
  for (const p of images) {
    if (p > 0 && p < 1) total -= p * Math.log(p) + (1 - p) * Math.log(1 - p);
  }
  return total / count;
}
