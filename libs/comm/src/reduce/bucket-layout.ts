/** A contiguous run [offset, offset + length) of a flat vector. */
export interface Slice {
  readonly offset: number;
  readonly length: number;
}

/**
 * Cuts a vector of `totalLength` floats into buckets of at most
 * `bucketBytes` bytes of float32 (Horovod's tensor fusion, the other way
 * round: one flat vector in, fixed-size pieces out). Every rank computes the
 * same layout from the same length. An empty vector has no buckets.
 */
export function bucketLayout(totalLength: number, bucketBytes: number): Slice[] {
  const perBucket = Math.max(1, Math.floor(bucketBytes / 4));
  const buckets: Slice[] = [];
  for (let offset = 0; offset < totalLength; offset += perBucket) {
    buckets.push({ offset, length: Math.min(perBucket, totalLength - offset) });
  }
  return buckets;
}

/**
 * Part `index` of `parts` near-equal parts of `length` elements (offsets
 * relative to the start). Sizes differ by at most one; parts may be empty
 * when length < parts.
 */
export function chunkSlice(length: number, parts: number, index: number): Slice {
  const start = Math.floor((index * length) / parts);
  const end = Math.floor(((index + 1) * length) / parts);
  return { offset: start, length: end - start };
}
