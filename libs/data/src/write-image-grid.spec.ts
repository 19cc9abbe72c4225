import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { SYMMETRIC_RANGE, UNIT_RANGE } from './pixel-range';
import { writeImageGrid } from './write-image-grid';

describe('writeImageGrid', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'ganglion-grid-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('writes a greyscale grid, creating the folder, with padding between and around images', () => {
    // 3 images of 2x3 in [-1, 1]: image i is filled with value -1 + i (0, 127.5 -> 128, 255 as bytes).
    const images = new Float32Array(3 * 6);
    for (let i = 0; i < 3; i++) images.fill(-1 + i, i * 6, i * 6 + 6);
    images[6 * 2 + 5] = 7; // clamped to 255
    const file = join(folder, 'samples', 'step-000001.png');
    writeImageGrid(file, images, { count: 3, height: 2, width: 3, channels: 1, range: SYMMETRIC_RANGE, columns: 2, padding: 1, background: 9 });
    const png = PNG.sync.read(readFileSync(file));
    expect(png.colorType).toBe(0);
    // 2 columns: 2*3 + 3*1 wide; 2 rows: 2*2 + 3*1 high.
    expect([png.width, png.height]).toEqual([9, 7]);
    const at = (x: number, y: number) => png.data[4 * (y * png.width + x)];
    expect(at(0, 0)).toBe(9);
    expect(at(1, 1)).toBe(0);
    expect(at(3, 2)).toBe(0);
    expect(at(4, 1)).toBe(9);
    expect(at(5, 1)).toBe(128);
    expect(at(1, 4)).toBe(255);
    expect(at(3, 5)).toBe(255);
    expect(at(5, 4)).toBe(9); // no fourth image
    expect(readdirSync(join(folder, 'samples'))).toEqual(['step-000001.png']);
  });

  it('writes RGB grids with the channels in order', () => {
    const images = Float32Array.from([1, 0, 0.2, 0, 1, 0.4]);
    const file = join(folder, 'rgb.png');
    writeImageGrid(file, images, { count: 2, height: 1, width: 1, channels: 3, range: UNIT_RANGE, padding: 0 });
    const png = PNG.sync.read(readFileSync(file));
    expect(png.colorType).toBe(2);
    expect([png.width, png.height]).toEqual([2, 1]);
    expect(Array.from(png.data)).toEqual([255, 0, 51, 255, 0, 255, 102, 255]);
  });

  it('refuses what it cannot write and leaves no file behind', () => {
    const file = join(folder, 'bad.png');
    expect(() => writeImageGrid(file, new Float32Array(8), { count: 2, height: 2, width: 2, channels: 2, range: UNIT_RANGE })).toThrow(
      'writes 1 (grey) or 3 (RGB) channels, got 2',
    );
    expect(() => writeImageGrid(file, new Float32Array(7), { count: 2, height: 2, width: 2, channels: 1, range: UNIT_RANGE })).toThrow(
      '2 images of 2x2x1 need 8 floats, got 7',
    );
    expect(existsSync(file)).toBe(false);
  });
});
