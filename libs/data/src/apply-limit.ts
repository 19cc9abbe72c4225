/**
 * How many of `total` items to keep under an optional `limit` (first N):
 * all of them when no limit is given, never more than there are.
 */
export function applyLimit(total: number, limit: number | undefined): number {
  if (limit === undefined) return total;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error(`limit must be a positive integer (the number of images to keep), got ${limit}.`);
  }
  return Math.min(total, limit);
}
