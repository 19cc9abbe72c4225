/**
 * Splits a global batch over `worldSize` ranks as evenly as possible: every
 * rank gets `floor(B / W)` samples and the first `B % W` ranks one more.
 * `splitEvenly(10, 3)` is `[4, 3, 3]`.
 */
export function splitEvenly(globalBatchSize: number, worldSize: number): number[] {
  if (!Number.isInteger(worldSize) || worldSize < 1) {
    throw new Error(`worldSize must be a positive integer, got ${worldSize}.`);
  }
  if (!Number.isInteger(globalBatchSize) || globalBatchSize < worldSize) {
    throw new Error(
      `A global batch of ${globalBatchSize} cannot be split over ${worldSize} workers: each needs at least one sample. ` +
        'Raise the batch size or use fewer workers.',
    );
  }
  const base = Math.floor(globalBatchSize / worldSize);
  const extra = globalBatchSize % worldSize;
  return Array.from({ length: worldSize }, (_, rank) => base + (rank < extra ? 1 : 0));
}
