/**
 * The array an allreduce writes its result into: the caller's `into`
 * (checked: same length as `values`, no memory shared with them, since the
 * reducers send `values` without copying while they write the result), or
 * a new one.
 */
export function reduceOutput(values: Float32Array, into: Float32Array | undefined): Float32Array {
  if (into === undefined) {
    return new Float32Array(values.length);
  }
  if (into.length !== values.length) {
    throw new RangeError(`allreduce: \`into\` holds ${into.length} values but the vector has ${values.length}; pass an array of the vector's length.`);
  }
  const overlaps =
    into.buffer === values.buffer &&
    into.byteOffset < values.byteOffset + values.byteLength &&
    values.byteOffset < into.byteOffset + into.byteLength;
  if (overlaps && values.length > 0) {
    throw new RangeError('allreduce: `into` shares memory with the values being reduced (they are sent without copying while the result is written); pass a separate array.');
  }
  return into;
}
