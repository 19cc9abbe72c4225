import { Fnv1a64 } from './fnv1a64';
import { weightsChecksum } from './weights-checksum';

const hashOf = (text: string): string => new Fnv1a64().update(new TextEncoder().encode(text)).digest();

describe('Fnv1a64', () => {
  it('matches the published FNV-1a 64 test vectors', () => {
    expect(hashOf('')).toBe('cbf29ce484222325');
    expect(hashOf('a')).toBe('af63dc4c8601ec8c');
    expect(hashOf('foobar')).toBe('85944171f73967e8');
  });

  it('gives the same digest whether the bytes come at once or in pieces', () => {
    const bytes = new Uint8Array(1000).map((_, i) => (i * 31 + 7) & 0xff);
    const whole = new Fnv1a64().update(bytes).digest();
    const pieces = new Fnv1a64().update(bytes.subarray(0, 333)).update(bytes.subarray(333, 334)).update(bytes.subarray(334)).digest();
    expect(pieces).toBe(whole);
  });
});

describe('weightsChecksum', () => {
  const weights = () => [
    { name: 'enc/kernel', shape: [2, 2], values: Float32Array.of(0.5, -1, 2, 3.25) },
    { name: 'enc/bias', shape: [2], values: Float32Array.of(0, 1e-9) },
  ];

  it('is equal for equal weights and changes with a single flipped bit', () => {
    const reference = weightsChecksum(weights());
    expect(weightsChecksum(weights())).toBe(reference);
    const flipped = weights();
    new Uint32Array(flipped[1].values.buffer)[1] ^= 1;
    expect(weightsChecksum(flipped)).not.toBe(reference);
  });

  it('depends on names, shapes and order, not only on the bytes', () => {
    const reference = weightsChecksum(weights());
    const renamed = weights().map((w, i) => (i === 0 ? { ...w, name: 'enc/kernel2' } : w));
    const reshaped = weights().map((w, i) => (i === 0 ? { ...w, shape: [4] } : w));
    expect(weightsChecksum(renamed)).not.toBe(reference);
    expect(weightsChecksum(reshaped)).not.toBe(reference);
    expect(weightsChecksum(weights().reverse())).not.toBe(reference);
  });

  it('hashes views by their own bytes only', () => {
    const backing = Float32Array.of(9, 0.5, -1, 2, 3.25, 9);
    const view = [{ name: 'enc/kernel', shape: [2, 2], values: backing.subarray(1, 5) }];
    expect(weightsChecksum(view)).toBe(weightsChecksum([weights()[0]]));
  });
});
