import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { bundledDataDir } from './bundled-data-dir';
import { DatasetFormatError } from './dataset-format-error';
import { readIdxImages, readIdxImageSet, readIdxLabels } from './read-idx';

const bundled = join(bundledDataDir(), 'fashion-mnist');
const imagesGz = readFileSync(join(bundled, 't10k-images-idx3-ubyte.gz'));
const labelsGz = readFileSync(join(bundled, 't10k-labels-idx1-ubyte.gz'));
const images = gunzipSync(imagesGz);
const labels = gunzipSync(labelsGz);

describe('readIdxImages / readIdxLabels', () => {
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'ganglion-idx-'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  function write(name: string, bytes: Uint8Array): string {
    const file = join(folder, name);
    writeFileSync(file, bytes);
    return file;
  }

  /** Runs `read` and returns the DatasetFormatError it must throw. */
  function formatError(read: () => unknown): DatasetFormatError {
    try {
      read();
    } catch (error) {
      expect(error).toBeInstanceOf(DatasetFormatError);
      return error as DatasetFormatError;
    }
    throw new Error('expected a DatasetFormatError');
  }

  it('reads gzipped and raw files alike, whatever their names', () => {
    const gz = readIdxImages(write('a.gz', imagesGz));
    const raw = readIdxImages(write('a.raw', images));
    const misnamed = readIdxImages(write('gzipped-without-suffix', imagesGz));
    expect(gz).toMatchObject({ count: 2000, height: 28, width: 28 });
    // Buffer.equals, not toEqual: jest compares 1.5 M elements one matcher call at a time.
    expect(Buffer.from(raw.pixels).equals(gz.pixels)).toBe(true);
    expect(Buffer.from(misnamed.pixels).equals(gz.pixels)).toBe(true);
    expect(Buffer.from(gz.pixels).equals(images.subarray(16))).toBe(true);
    expect(readIdxLabels(write('l.raw', labels))).toEqual(new Uint8Array(labels.subarray(8)));
  });

  it('keeps the first `limit` items', () => {
    const set = readIdxImageSet({ images: write('i.gz', imagesGz), labels: write('l.gz', labelsGz), limit: 3 });
    expect(set.count).toBe(3);
    expect(set.pixels).toEqual(new Uint8Array(images.subarray(16, 16 + 3 * 784)));
    expect(set.labels).toEqual(new Uint8Array(labels.subarray(8, 11)));
    expect(() => readIdxImages(join(bundled, 't10k-images-idx3-ubyte.gz'), { limit: 0 })).toThrow(/limit must be a positive integer/);
  });

  it('names the file and gives expected vs found for a wrong magic number (labels given as images)', () => {
    const file = write('swapped.gz', labelsGz);
    const error = formatError(() => readIdxImages(file));
    expect(error.file).toBe(file);
    expect(error.message).toContain(file);
    expect(error.message).toContain('wrong magic number: expected 0x00000803, found 0x00000801');
    expect(error.message).toContain('were images and labels swapped?');
  });

  it('reports truncated raw data with the byte counts', () => {
    const file = write('short.raw', images.subarray(0, 16 + 784 * 10 + 5));
    const error = formatError(() => readIdxImages(file));
    expect(error.message).toContain(file);
    expect(error.message).toContain(`truncated data: expected ${16 + 2000 * 784} bytes`);
    expect(error.message).toContain(`found ${16 + 7845} bytes, 10 complete items`);
  });

  it('reports a truncated gzip stream', () => {
    const file = write('short.gz', imagesGz.subarray(0, 5000));
    const error = formatError(() => readIdxImages(file));
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/damaged gzip stream: expected a complete gzip file, found 5000 bytes that fail to decompress/);
  });

  it('reports a file shorter than the header', () => {
    const file = write('tiny.raw', images.subarray(0, 7));
    expect(formatError(() => readIdxImages(file)).message).toBe(
      `${file}: truncated IDX header: expected at least 16 bytes, found 7 bytes.`,
    );
  });

  it('reports trailing bytes after the data', () => {
    const file = write('long.gz', gzipSync(Buffer.concat([labels, Buffer.from([1, 2, 3])])));
    expect(formatError(() => readIdxLabels(file)).message).toContain(
      `unexpected trailing data: expected 2008 bytes (header + 2000 labels), found 2011 bytes`,
    );
  });

  it('reports image and label counts that do not match', () => {
    const fewer = Buffer.from(labels.subarray(0, 8 + 1999));
    fewer.writeUInt32BE(1999, 4);
    const labelFile = write('fewer-labels.raw', fewer);
    const imageFile = write('images.gz', imagesGz);
    const error = formatError(() => readIdxImageSet({ images: imageFile, labels: labelFile }));
    expect(error.file).toBe(labelFile);
    expect(error.message).toContain(`expected 2000 labels (one per image in ${imageFile}), found 1999`);
  });

  it('reports wrong image dimensions and labels out of range', () => {
    const resized = Buffer.from(images);
    resized.writeUInt32BE(1000, 4);
    resized.writeUInt32BE(56, 8);
    const imageFile = write('56x28.raw', resized);
    const error = formatError(() => readIdxImageSet({ images: imageFile, expectedSize: [28, 28] }));
    expect(error.message).toBe(`${imageFile}: wrong image dimensions: expected 28x28 images, found 56x28. Is this the right dataset?`);

    const badLabels = Buffer.from(labels);
    badLabels[8 + 42] = 12;
    const labelFile = write('bad-labels.raw', badLabels);
    expect(formatError(() => readIdxImageSet({ images: write('ok.gz', imagesGz), labels: labelFile, classCount: 10 })).message).toBe(
      `${labelFile}: label of item 42 out of range: expected 0..9, found 12.`,
    );
  });

  it('says which file is missing', () => {
    expect(() => readIdxImages(join(folder, 'nope.gz'))).toThrow(`${join(folder, 'nope.gz')}: no such file`);
  });
});
