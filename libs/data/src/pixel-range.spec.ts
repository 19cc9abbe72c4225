import { scaleByte, SYMMETRIC_RANGE, toByte, UNIT_RANGE } from './pixel-range';

describe('pixel ranges', () => {
  it('maps bytes to the range ends and back', () => {
    expect(scaleByte(0, SYMMETRIC_RANGE)).toBe(-1);
    expect(scaleByte(255, SYMMETRIC_RANGE)).toBe(1);
    expect(scaleByte(51, UNIT_RANGE)).toBeCloseTo(0.2, 12);
    for (let byte = 0; byte < 256; byte++) {
      expect(toByte(scaleByte(byte, SYMMETRIC_RANGE), SYMMETRIC_RANGE)).toBe(byte);
      expect(toByte(Math.fround(scaleByte(byte, UNIT_RANGE)), UNIT_RANGE)).toBe(byte);
    }
  });

  it('clamps values outside the range', () => {
    expect(toByte(3, UNIT_RANGE)).toBe(255);
    expect(toByte(-3, SYMMETRIC_RANGE)).toBe(0);
  });
});
