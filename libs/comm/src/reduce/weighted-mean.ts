/**
 * Folds `local` (weight `weight`) into the running weighted mean `mean`
 * (weight `meanWeight`), in place, and returns the new total weight. Each
 * element is computed in double precision and rounded to float32 once. A
 * zero weight leaves the mean untouched, so a rank without samples cannot
 * spread NaNs; while the total is 0 the mean stays as it is (zeros).
 */
export function foldWeightedMean(mean: Float32Array, meanWeight: number, local: Float32Array, weight: number): number {
  if (mean.length !== local.length) {
    throw new RangeError(`foldWeightedMean: mean has ${mean.length} values, local ${local.length}.`);
  }
  if (weight === 0) {
    return meanWeight;
  }
  if (meanWeight === 0) {
    mean.set(local);
    return weight;
  }
  const total = meanWeight + weight;
  const share = weight / total;
  for (let i = 0; i < mean.length; i++) {
    mean[i] += (local[i] - mean[i]) * share;
  }
  return total;
}

/**
 * sum_r(w_r * v_r) / sum_r(w_r) over `parts` in the order given (rank
 * order, so the result does not depend on arrival order), accumulated in
 * float64 and rounded once. Parts of weight 0 are skipped; with no weight
 * at all the result is zeros.
 */
export function weightedMeanOf(parts: readonly { values: Float32Array; weight: number }[], length: number): Float32Array {
  const result = new Float32Array(length);
  const weighted = parts.filter((part) => part.weight > 0);
  const total = weighted.reduce((sum, part) => sum + part.weight, 0);
  if (total === 0) {
    return result;
  }
  const sum = new Float64Array(length);
  for (const { values, weight } of weighted) {
    if (values.length !== length) {
      throw new RangeError(`weightedMeanOf: a part has ${values.length} values, expected ${length}.`);
    }
    for (let i = 0; i < length; i++) {
      sum[i] += weight * values[i];
    }
  }
  for (let i = 0; i < length; i++) {
    result[i] = sum[i] / total;
  }
  return result;
}
