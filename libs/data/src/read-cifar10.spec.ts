import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Cifar10Dataset } from './cifar10-dataset';
import { DatasetFormatError } from './dataset-format-error';
import { CIFAR10_BATCH_FILES, extractCifar10Archive } from './extract-cifar10-archive';
import { CIFAR10_RECORD_BYTES, readCifar10 } from './read-cifar10';
import { makeTar } from './tar-test-helper';

/** A batch whose record r has label (r + first) % 10 and pixel (channel k, row y, column x) = (r * 7 + k * 50 + y + x) % 256. */
function makeBatch(records: number, first = 0): Buffer {
  const data = Buffer.alloc(records * CIFAR10_RECORD_BYTES);
  for (let r = 0; r < records; r++) {
    const base = r * CIFAR10_RECORD_BYTES;
    data[base] = (r + first) % 10;
    for (let k = 0; k < 3; k++) {
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) data[base + 1 + k * 1024 + y * 32 + x] = ((r + first) * 7 + k * 50 + y + x) % 256;
      }
    }
  }
  return data;
}

describe('readCifar10', () => {
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'ganglion-cifar-'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('turns planar CHW records into HWC images and keeps the labels, across files', () => {
    const a = join(folder, 'a.bin');
    const b = join(folder, 'b.bin');
    writeFileSync(a, makeBatch(3));
    writeFileSync(b, makeBatch(2, 3));
    const set = readCifar10([a, b]);
    expect(set).toMatchObject({ count: 5, height: 32, width: 32, channels: 3 });
    expect(Array.from(set.labels!)).toEqual([0, 1, 2, 3, 4]);
    for (const [image, y, x, k] of [[0, 0, 0, 0], [1, 5, 9, 2], [4, 31, 31, 1], [3, 10, 0, 2]]) {
      expect(set.pixels[((image * 32 + y) * 32 + x) * 3 + k]).toBe((image * 7 + k * 50 + y + x) % 256);
    }
    const limited = readCifar10([a, b], { limit: 4 });
    expect(limited.count).toBe(4);
    expect(limited.pixels).toEqual(set.pixels.subarray(0, 4 * 3072));
  });

  it('refuses a file that is not a whole number of records, naming it', () => {
    const file = join(folder, 'short.bin');
    writeFileSync(file, makeBatch(2).subarray(0, 2 * CIFAR10_RECORD_BYTES - 100));
    expect(() => readCifar10([file])).toThrow(DatasetFormatError);
    expect(() => readCifar10([file])).toThrow(
      `${file}: not a whole number of CIFAR-10 records: expected a positive multiple of 3073 bytes (10000 records = 30730000), ` +
        'found 6046 bytes (1 records and 2973 bytes over).',
    );
  });

  it('refuses a label byte above 9', () => {
    const file = join(folder, 'bad-label.bin');
    const batch = makeBatch(2);
    batch[CIFAR10_RECORD_BYTES] = 42;
    writeFileSync(file, batch);
    expect(() => readCifar10([file])).toThrow(`${file}: label of record 1 out of range: expected a label byte in 0..9, found 42.`);
  });
});

describe('Cifar10Dataset', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ganglion-cifar-set-'));
    const batches = join(root, 'cifar-10-batches-bin');
    mkdirSync(batches);
    CIFAR10_BATCH_FILES.train.forEach((name, i) => writeFileSync(join(batches, name), makeBatch(2, i * 2)));
    writeFileSync(join(batches, 'test_batch.bin'), makeBatch(3, 5));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads the standard extracted folder, given it or its parent', async () => {
    const train = await new Cifar10Dataset({ source: root }).load();
    expect(train).toMatchObject({ name: 'cifar-10/train', count: 10, channels: 3 });
    expect(Array.from(train.labels!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const test = await new Cifar10Dataset({ dir: join(root, 'cifar-10-batches-bin'), split: 'test' }).load();
    expect(Array.from(test.labels!)).toEqual([5, 6, 7]);
    expect(new Cifar10Dataset({ source: root, limit: 2 }).getConfig()).toEqual({ source: root, limit: 2, split: 'train' });
  });

  it('wants exactly one of source and dir', () => {
    expect(() => new Cifar10Dataset({})).toThrow('Cifar10Dataset: give either source');
    expect(() => new Cifar10Dataset({ source: root, dir: root })).toThrow('give either source');
  });

  it('says what it looked for when the folder is wrong', async () => {
    await expect(new Cifar10Dataset({ source: tmpdir(), split: 'test' }).load()).rejects.toThrow(
      /No test_batch\.bin in .* binary version/,
    );
  });

  it('unpacks the binary archive into cifar-10-batches-bin, once', () => {
    const names = [...CIFAR10_BATCH_FILES.train, ...CIFAR10_BATCH_FILES.test];
    const archive = join(root, 'cifar-10-binary.tar.gz');
    writeFileSync(
      archive,
      gzipSync(makeTar([
        { path: 'cifar-10-batches-bin/batches.meta.txt', data: Buffer.from('airplane\n') },
        ...names.map((name, i) => ({ path: `cifar-10-batches-bin/${name}`, data: makeBatch(1, i) })),
      ])),
    );
    const into = join(root, 'unpacked');
    const folder = extractCifar10Archive(archive, into);
    expect(folder).toBe(join(into, 'cifar-10-batches-bin'));
    expect(Array.from(readCifar10([join(folder, 'test_batch.bin')]).labels!)).toEqual([5]);
    // A second call finds the complete folder and does not read the archive.
    writeFileSync(archive, 'not an archive any more');
    expect(extractCifar10Archive(archive, into)).toBe(folder);
  });

  it('refuses an archive that lacks batches', () => {
    const archive = join(root, 'partial.tar.gz');
    writeFileSync(archive, gzipSync(makeTar([{ path: 'cifar-10-batches-bin/test_batch.bin', data: makeBatch(1) }])));
    expect(() => extractCifar10Archive(archive, join(root, 'partial'))).toThrow(
      /partial\.tar\.gz: incomplete CIFAR-10 archive: expected 6 batches of whole 3073-byte records, found data_batch_1\.bin, .* missing/,
    );
  });
});
