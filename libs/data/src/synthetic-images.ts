import { CounterRandom, type RandomStream } from './counter-random';
import type { ImageSet } from './image-set';

/** Keeps synthetic-image streams apart from other users of the same seed. */
const SYNTHETIC_DOMAIN = 0x53594e54; // 'SYNT'

export interface SyntheticImagesOptions {
  count: number;
  height: number;
  width: number;
  channels: number;
  seed: number;
  /** Number of classes (pattern families), 1..255; default 4. */
  classes?: number;
  /** Name of the set in logs; default `synthetic`. */
  name?: string;
}

/**
 * Images with structure a model can learn, a pure function of the seed and
 * each image's index: image i is the same whatever `count` is. Class
 * `label % 4` draws a horizontal bar, a vertical bar, a round blob or a
 * cross at a random place; each class has its own tint on colour images;
 * a little uniform noise lies on top.
 */
export function syntheticImages(options: SyntheticImagesOptions): ImageSet {
  const { count, height, width, channels, seed } = options;
  const classes = options.classes ?? 4;
  for (const [field, value] of Object.entries({ count, height, width, channels, classes })) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`syntheticImages: ${field} must be a positive integer, got ${value}.`);
  }
  if (classes > 255) throw new Error(`syntheticImages: classes must be at most 255 (labels are bytes), got ${classes}.`);
  const random = new CounterRandom(seed);
  const size = height * width * channels;
  const pixels = new Uint8Array(count * size);
  const labels = new Uint8Array(count);
  const tints = classTints(classes, channels);
  for (let i = 0; i < count; i++) {
    const stream = random.stream(SYNTHETIC_DOMAIN, i);
    const label = stream.nextInt(classes);
    labels[i] = label;
    drawPattern(stream, label, tints.subarray(label * channels, (label + 1) * channels), height, width, channels, pixels, i * size);
  }
  return { name: options.name ?? 'synthetic', count, height, width, channels, pixels, labels };
}

function drawPattern(
  stream: RandomStream,
  label: number,
  tint: Float32Array,
  height: number,
  width: number,
  channels: number,
  out: Uint8Array,
  offset: number,
): void {
  const cy = (0.25 + 0.5 * stream.nextUniform()) * height;
  const cx = (0.25 + 0.5 * stream.nextUniform()) * width;
  const spread = Math.max(0.75, (0.08 + 0.06 * stream.nextUniform()) * Math.min(height, width));
  const kind = label % 4;
  for (let y = 0; y < height; y++) {
    const dy = (y + 0.5 - cy) / spread;
    for (let x = 0; x < width; x++) {
      const dx = (x + 0.5 - cx) / spread;
      let shape: number;
      if (kind === 0) shape = Math.exp(-dy * dy);
      else if (kind === 1) shape = Math.exp(-dx * dx);
      else if (kind === 2) shape = Math.exp(-(dx * dx + dy * dy) / 4);
      else shape = Math.max(Math.exp(-dy * dy), Math.exp(-dx * dx));
      const base = offset + (y * width + x) * channels;
      for (let k = 0; k < channels; k++) {
        const value = shape * tint[k] + 0.08 * (stream.nextUniform() - 0.5);
        out[base + k] = Math.max(0, Math.min(255, Math.round(value * 255)));
      }
    }
  }
}

/** A brightness per (class, channel): grey images get 1, colour ones a hue per class. */
function classTints(classes: number, channels: number): Float32Array {
  const tints = new Float32Array(classes * channels);
  for (let c = 0; c < classes; c++) {
    for (let k = 0; k < channels; k++) {
      tints[c * channels + k] = channels === 1 ? 1 : 0.55 + 0.45 * Math.cos(2 * Math.PI * (c / classes + k / channels));
    }
  }
  return tints;
}
