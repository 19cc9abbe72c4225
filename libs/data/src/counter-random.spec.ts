import { CounterRandom } from './counter-random';

describe('CounterRandom', () => {
  it('gives the same numbers for the same (seed, key), whatever else was drawn', () => {
    const a = new CounterRandom(7);
    const b = new CounterRandom(7);
    b.stream(1, 2, 3).nextUniform();
    const fromA = Array.from({ length: 5 }, ((s) => () => s.nextUniform())(a.stream(4, 0, 99)));
    const fromB = Array.from({ length: 5 }, ((s) => () => s.nextUniform())(b.stream(4, 0, 99)));
    expect(fromA).toEqual(fromB);
  });

  it('separates seeds and keys', () => {
    const first = (seed: number, ...key: number[]) => new CounterRandom(seed).stream(...key).nextUniform();
    const values = [first(1, 0), first(2, 0), first(1, 1), first(1, 0, 0), first(1, 2 ** 32)];
    expect(new Set(values).size).toBe(values.length);
  });

  it('draws uniforms in (0, 1), integers in [0, bound) and roughly standard normals', () => {
    const stream = new CounterRandom(3).stream(0);
    let sum = 0;
    let sumSquares = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const u = stream.nextUniform();
      expect(u).toBeGreaterThan(0);
      expect(u).toBeLessThan(1);
      const k = stream.nextInt(6);
      expect(Number.isInteger(k) && k >= 0 && k < 6).toBe(true);
      const z = stream.nextNormal();
      sum += z;
      sumSquares += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.05);
    expect(Math.abs(sumSquares / n - 1)).toBeLessThan(0.05);
  });
});
