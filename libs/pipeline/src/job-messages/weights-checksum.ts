import { Fnv1a64 } from './fnv1a64';
import type { NamedWeights } from './named-weights';

/** Name of the checksum algorithm, as CHECKSUM messages carry it. */
export const WEIGHTS_CHECKSUM_ALGORITHM = 'fnv1a64';

/**
 * A digest of a model's weights that equal replicas share: FNV-1a 64 over,
 * for each variable in order, its name, its shape and the little-endian
 * bytes of its float32 values. One flipped bit anywhere changes it.
 */
export function weightsChecksum(weights: readonly NamedWeights[]): string {
  const hash = new Fnv1a64();
  const encoder = new TextEncoder();
  for (const { name, shape, values } of weights) {
    hash.update(encoder.encode(`${name}[${shape.join(',')}]`));
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return hash.digest();
}
