import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { DatasetFormatError } from './dataset-format-error';
import { PngFolderDataset } from './png-folder-dataset';
import { readPngFolder } from './read-png-folder';

/** Writes a PNG whose RGBA pixel p is pixel(p). */
function writePng(file: string, width: number, height: number, colorType: 0 | 2 | 6, pixel: (p: number) => number[]): void {
  const data = Buffer.alloc(width * height * 4);
  for (let p = 0; p < width * height; p++) data.set(pixel(p), 4 * p);
  writeFileSync(file, PNG.sync.write({ width, height, data } as PNG, { colorType }));
}

describe('readPngFolder', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'ganglion-png-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('reads grey PNGs as one channel, in natural name order', () => {
    for (const n of [10, 2, 1]) writePng(join(folder, `${n}.png`), 4, 3, 0, (p) => [n * 10 + p, n * 10 + p, n * 10 + p, 255]);
    writeFileSync(join(folder, 'notes.txt'), 'not an image');
    const set = readPngFolder(folder);
    expect(set).toMatchObject({ count: 3, height: 3, width: 4, channels: 1 });
    expect(set.labels).toBeUndefined();
    expect(Array.from(set.pixels.subarray(0, 3))).toEqual([10, 11, 12]);
    expect(set.pixels[12]).toBe(20);
    expect(set.pixels[24 + 11]).toBe(111);
  });

  it('reads RGB and RGBA as three channels, dropping alpha; forced channels convert', () => {
    writePng(join(folder, 'a.png'), 2, 2, 2, (p) => [p, 100, 200, 255]);
    writePng(join(folder, 'b.png'), 2, 2, 6, (p) => [50, 60, 70 + p, 128]);
    writePng(join(folder, 'c.png'), 2, 2, 0, () => [9, 9, 9, 255]);
    const set = readPngFolder(folder);
    expect(set.channels).toBe(3);
    expect(Array.from(set.pixels.subarray(0, 6))).toEqual([0, 100, 200, 1, 100, 200]);
    expect(Array.from(set.pixels.subarray(12, 15))).toEqual([50, 60, 70]);
    expect(Array.from(set.pixels.subarray(24, 27))).toEqual([9, 9, 9]);
    const grey = readPngFolder(folder, { channels: 1, limit: 2 });
    expect(grey.count).toBe(2);
    expect(grey.pixels[0]).toBe(Math.round(0.587 * 100 + 0.114 * 200));
  });

  it('names the odd-sized file and gives both sizes', () => {
    writePng(join(folder, 'a.png'), 4, 4, 0, () => [0, 0, 0, 255]);
    writePng(join(folder, 'b.png'), 5, 4, 0, () => [0, 0, 0, 255]);
    const file = join(folder, 'b.png');
    expect(() => readPngFolder(folder)).toThrow(DatasetFormatError);
    expect(() => readPngFolder(folder)).toThrow(
      `${file}: image size differs from the rest of the folder: expected 4x4 (height x width) like ${join(folder, 'a.png')}, found 4x5.`,
    );
  });

  it('names a file that is not a PNG, and one that is cut short', () => {
    writeFileSync(join(folder, 'fake.png'), 'GIF89a....');
    expect(() => readPngFolder(folder)).toThrow(
      `${join(folder, 'fake.png')}: not a PNG file: expected the PNG signature 89 50 4e 47 0d 0a 1a 0a, found 47 49 46 38 39 61 2e 2e.`,
    );
    rmSync(join(folder, 'fake.png'));
    writePng(join(folder, 'cut.png'), 8, 8, 2, (p) => [p, p, p, 255]);
    const whole = PNG.sync.write({ width: 8, height: 8, data: Buffer.alloc(256, 77) } as PNG);
    writeFileSync(join(folder, 'cut.png'), whole.subarray(0, whole.length - 20));
    expect(() => readPngFolder(folder)).toThrow(new RegExp(`^${join(folder, 'cut.png')}: damaged PNG data: expected a complete, decodable PNG, found a decoder error`));
  });

  it('is wrapped by PngFolderDataset', async () => {
    writePng(join(folder, 'a.png'), 2, 2, 0, () => [1, 1, 1, 255]);
    const dataset = new PngFolderDataset({ directory: folder, name: 'mine' });
    expect((await dataset.load()).name).toBe('mine');
    expect(dataset.getConfig()).toEqual({ directory: folder, name: 'mine' });
    expect(() => readPngFolder(join(folder, 'missing'))).toThrow(/Cannot read the PNG folder/);
    rmSync(join(folder, 'a.png'));
    await expect(dataset.load()).rejects.toThrow('no .png files found');
  });
});
