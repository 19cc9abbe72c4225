export { CounterRandom, RandomStream } from './counter-random';
export type { PixelRange } from './pixel-range';
export { UNIT_RANGE, SYMMETRIC_RANGE, scaleByte, toByte } from './pixel-range';
