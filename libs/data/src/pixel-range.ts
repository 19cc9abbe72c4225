/**
 * The interval a model wants its pixels in. The GAN's tanh output wants
 * [-1, 1]; the VAE's and the RNN's sigmoid outputs want [0, 1].
 */
export type PixelRange = readonly [min: number, max: number];

export const UNIT_RANGE: PixelRange = [0, 1];
export const SYMMETRIC_RANGE: PixelRange = [-1, 1];

/** Maps a byte (0..255) into `range`. */
export function scaleByte(value: number, range: PixelRange): number {
  return range[0] + (value / 255) * (range[1] - range[0]);
}

/** Maps a value in `range` back to a byte, clamped to 0..255. */
export function toByte(value: number, range: PixelRange): number {
  const unit = (value - range[0]) / (range[1] - range[0]);
  return Math.max(0, Math.min(255, Math.round(unit * 255)));
}
