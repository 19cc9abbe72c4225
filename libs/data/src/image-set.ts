/**
 * A set of 8-bit images held in memory, the unit every dataset loads.
 * Pixels are bytes (0..255) in NHWC order: image i, row y, column x, channel
 * k is at `((i * height + y) * width + x) * channels + k`.
 */
export interface ImageSet {
  /** Short name for logs, e.g. `fashion-mnist/train`. */
  readonly name: string;
  /** Number of images. */
  readonly count: number;
  readonly height: number;
  readonly width: number;
  /** 1 (grey) or 3 (RGB). */
  readonly channels: number;
  /** `count * height * width * channels` bytes, HWC per image. */
  readonly pixels: Uint8Array;
  /** One class label per image, when the source has them. */
  readonly labels?: Uint8Array;
}

/** Bytes in one image of `set`. */
export function imageBytes(set: Pick<ImageSet, 'height' | 'width' | 'channels'>): number {
  return set.height * set.width * set.channels;
}
