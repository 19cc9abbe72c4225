import * as fs from 'node:fs';
import { endianness } from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '@ganglion/data';
import type { NamedWeights } from './named-weights';

/** The JSON half of a weights file pair: where each tensor lies in the .bin half. */
export interface WeightsManifest {
  readonly format: 'ganglion-weights';
  readonly version: 1;
  readonly dtype: 'float32';
  readonly byteOrder: 'little-endian';
  /** File name of the binary half, next to the manifest. */
  readonly weightsFile: string;
  /** Steps trained when the weights were taken. */
  readonly step: number;
  readonly tensors: readonly WeightsManifestEntry[];
}

export interface WeightsManifestEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** Byte offset of the tensor's first value in the .bin file. */
  readonly offset: number;
  /** Number of float32 values. */
  readonly length: number;
}

/**
 * Writes weights as a pair: `<base>.json` (names, shapes, byte offsets)
 * and `<base>.bin` (every tensor's float32 values, little-endian, in
 * order, back to back). Both are written atomically (temp file, rename);
 * the .bin first, so a manifest never points at a missing file. Returns
 * the manifest's path.
 */
export function writeWeightsFile(manifestFile: string, weights: readonly NamedWeights[], step: number): string {
  assertLittleEndian();
  if (!manifestFile.endsWith('.json')) {
    throw new Error(`A weights manifest must end in .json (its binary half gets .bin), got ${manifestFile}.`);
  }
  const binFile = manifestFile.replace(/\.json$/, '.bin');
  const tensors: WeightsManifestEntry[] = [];
  let offset = 0;
  for (const { name, shape, values } of weights) {
    const expected = shape.reduce((a, b) => a * b, 1);
    if (values.length !== expected) {
      throw new Error(`Weights '${name}' have ${values.length} values but shape [${shape.join(', ')}] needs ${expected}.`);
    }
    tensors.push({ name, shape: [...shape], offset, length: values.length });
    offset += values.byteLength;
  }
  const bin = Buffer.concat(weights.map(({ values }) => Buffer.from(values.buffer, values.byteOffset, values.byteLength)));
  const manifest: WeightsManifest = {
    format: 'ganglion-weights',
    version: 1,
    dtype: 'float32',
    byteOrder: 'little-endian',
    weightsFile: path.basename(binFile),
    step,
    tensors,
  };
  writeFileAtomic(binFile, bin);
  writeFileAtomic(manifestFile, Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
  return manifestFile;
}

/** Reads a pair written by writeWeightsFile; checks that the .bin holds exactly what the manifest lists. */
export function readWeightsFile(manifestFile: string): { manifest: WeightsManifest; weights: NamedWeights[] } {
  assertLittleEndian();
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as WeightsManifest;
  if (manifest.format !== 'ganglion-weights' || manifest.version !== 1 || manifest.dtype !== 'float32') {
    throw new Error(`${manifestFile} is not a Ganglion float32 weights manifest (version 1).`);
  }
  const bin = fs.readFileSync(path.join(path.dirname(manifestFile), manifest.weightsFile));
  const expectedBytes = manifest.tensors.reduce((sum, t) => sum + t.length * 4, 0);
  if (bin.byteLength !== expectedBytes) {
    throw new Error(`${manifest.weightsFile} has ${bin.byteLength} bytes but ${manifestFile} lists ${expectedBytes}; the pair is incomplete or mismatched.`);
  }
  const weights = manifest.tensors.map(({ name, shape, offset, length }) => {
    const values = new Float32Array(length);
    new Uint8Array(values.buffer).set(bin.subarray(offset, offset + length * 4));
    return { name, shape: [...shape], values };
  });
  return { manifest, weights };
}

function assertLittleEndian(): void {
  if (endianness() !== 'LE') {
    throw new Error('Weights files are little-endian float32; this big-endian host is not supported.');
  }
}
