import type { ImageSet } from './image-set';
import { scaleByte, type PixelRange } from './pixel-range';

/**
 * Copies the images at `indices` into one NHWC Float32Array scaled to
 * `range` (byte 0 -> range[0], 255 -> range[1], as `scaleByte`). Pass `out`
 * to reuse a buffer of at least `indices.length * h * w * c` floats.
 */
export function gatherBatch(set: ImageSet, indices: Int32Array, range: PixelRange, out?: Float32Array): Float32Array {
  const size = set.height * set.width * set.channels;
  const result = out ?? new Float32Array(indices.length * size);
  if (result.length < indices.length * size) {
    throw new Error(`gatherBatch: out holds ${result.length} floats but ${indices.length} images of ${size} need ${indices.length * size}.`);
  }
  const table = new Float32Array(256);
  for (let byte = 0; byte < 256; byte++) table[byte] = scaleByte(byte, range);
  for (let b = 0; b < indices.length; b++) {
    const index = indices[b];
    if (!(index >= 0 && index < set.count)) {
      throw new RangeError(`gatherBatch: image index ${index} is outside ${set.name} (0..${set.count - 1}).`);
    }
    const source = index * size;
    const target = b * size;
    for (let p = 0; p < size; p++) result[target + p] = table[set.pixels[source + p]];
  }
  return result;
}
