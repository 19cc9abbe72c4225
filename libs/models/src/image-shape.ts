import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { TrainingBatch } from './generative-model';

/** [height, width, channels]. */
export type ImageShape = readonly [height: number, width: number, channels: number];

const dimension = z.number().int().positive();

/** Zod schema of an image shape option. */
export const imageShapeSchema = z.tuple([dimension, dimension, dimension]);

/**
 * Checks an image shape; `divisor` > 1 also demands that height and width
 * divide by it (two stride-2 layers need multiples of 4).
 */
export function checkImageShape(owner: string, shape: readonly number[], divisor = 1): ImageShape {
  if (shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`${owner}.imageShape must be [height, width, channels] of positive integers, got [${shape}].`);
  }
  const [height, width, channels] = shape;
  if (height % divisor !== 0 || width % divisor !== 0) {
    throw new Error(
      `${owner}.imageShape [${shape}]: height and width must be multiples of ${divisor} ` +
        `(e.g. [28, 28, 1] or [32, 32, 3]).`,
    );
  }
  return [height, width, channels];
}

/** The batch's pixels as a tensor [count, h, w, c], after checking that sizes agree. */
export function batchImages(batch: TrainingBatch, shape: ImageShape): tf.Tensor4D {
  checkBatch(batch, shape);
  return tf.tensor4d(batch.images, [batch.count, shape[0], shape[1], shape[2]]);
}

/** Throws when the batch's arrays do not match its count and the image shape. */
export function checkBatch(batch: TrainingBatch, shape: ImageShape): void {
  const pixels = shape[0] * shape[1] * shape[2];
  if (!Number.isInteger(batch.count) || batch.count < 1) {
    throw new Error(`TrainingBatch.count must be a positive integer, got ${batch.count}.`);
  }
  if (batch.images.length !== batch.count * pixels) {
    throw new Error(
      `TrainingBatch.images holds ${batch.images.length} values; ${batch.count} images of ` +
        `[${shape}] need ${batch.count * pixels}.`,
    );
  }
  if (batch.sampleIndices.length !== batch.count) {
    throw new Error(
      `TrainingBatch.sampleIndices has ${batch.sampleIndices.length} entries for ${batch.count} images; ` +
        `give one global sample index per image.`,
    );
  }
}
