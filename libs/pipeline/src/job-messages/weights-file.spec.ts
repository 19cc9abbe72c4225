import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readWeightsFile, writeWeightsFile } from './weights-file';

describe('weights file', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-weights-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const weights = () => [
    { name: 'enc/kernel', shape: [2, 3], values: Float32Array.of(1, -2, 3.5, Math.PI, -0, 1e-30) },
    { name: 'enc/bias', shape: [3], values: new Float32Array(8).fill(7).subarray(2, 5) },
    { name: 'scalar', shape: [], values: Float32Array.of(42) },
  ];

  it('round-trips names, shapes and exact float32 values', () => {
    const file = writeWeightsFile(path.join(dir, 'final-weights.json'), weights(), 6);
    const { manifest, weights: read } = readWeightsFile(file);
    expect(manifest).toMatchObject({ format: 'ganglion-weights', step: 6, byteOrder: 'little-endian', weightsFile: 'final-weights.bin' });
    expect(manifest.tensors.map((t) => [t.name, t.offset, t.length])).toEqual([
      ['enc/kernel', 0, 6],
      ['enc/bias', 24, 3],
      ['scalar', 36, 1],
    ]);
    expect(read.map((w) => w.shape)).toEqual([[2, 3], [3], []]);
    for (const [i, w] of weights().entries()) expect(Array.from(read[i].values)).toEqual(Array.from(w.values));
    expect(Object.is(read[0].values[4], -0)).toBe(true);
  });

  it('writes the .bin as raw little-endian float32, back to back', () => {
    writeWeightsFile(path.join(dir, 'w.json'), weights(), 1);
    const bin = fs.readFileSync(path.join(dir, 'w.bin'));
    expect(bin.byteLength).toBe(40);
    expect(bin.readFloatLE(8)).toBe(3.5);
    expect(bin.readFloatLE(36)).toBe(42);
  });

  it('refuses values that do not fill their shape, and a truncated .bin', () => {
    expect(() => writeWeightsFile(path.join(dir, 'w.json'), [{ name: 'x', shape: [2, 2], values: new Float32Array(3) }], 0)).toThrow(
      /'x' have 3 values but shape \[2, 2\] needs 4/,
    );
    const file = writeWeightsFile(path.join(dir, 'w.json'), weights(), 1);
    fs.truncateSync(path.join(dir, 'w.bin'), 20);
    expect(() => readWeightsFile(file)).toThrow(/w\.bin has 20 bytes but .* lists 40/);
  });
});
