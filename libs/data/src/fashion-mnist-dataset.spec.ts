import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { bundledDataDir } from './bundled-data-dir';
import { FashionMnistDataset } from './fashion-mnist-dataset';
import { MnistDataset } from './mnist-dataset';

describe('FashionMnistDataset', () => {
  it('reads the bundled training subset: 10,000 real 28x28 grey images with labels 0..9', async () => {
    const set = await new FashionMnistDataset({ source: 'bundled', split: 'train' }).load();
    expect(set).toMatchObject({ name: 'fashion-mnist/train', count: 10_000, height: 28, width: 28, channels: 1 });
    expect(set.pixels.length).toBe(10_000 * 784);
    expect(set.labels).toHaveLength(10_000);
    const perClass = new Array(10).fill(0);
    for (const label of set.labels!) perClass[label] += 1;
    // Every class is present and none dominates: real labels, not noise or zeros.
    expect(Math.min(...perClass)).toBeGreaterThan(800);
    expect(Math.max(...perClass)).toBeLessThan(1200);
    expect(Math.max(...set.labels!)).toBe(9);
    // The first official training image is an ankle boot (label 9); pictures have dark backgrounds and bright objects.
    expect(set.labels![0]).toBe(9);
    expect(set.pixels[0]).toBe(0);
    expect(Math.max(...set.pixels.subarray(0, 784))).toBe(255);
  });

  it('reads the bundled test subset and honours limit', async () => {
    const test = await new FashionMnistDataset({ split: 'test' }).load();
    expect(test).toMatchObject({ name: 'fashion-mnist/test', count: 2_000, height: 28, width: 28, channels: 1 });
    const first = await new FashionMnistDataset({ split: 'test', limit: 5 }).load();
    expect(first.count).toBe(5);
    expect(first.pixels).toEqual(test.pixels.subarray(0, 5 * 784));
    expect(first.labels).toEqual(test.labels!.subarray(0, 5));
  });

  it('reads a folder of gunzipped files named the dotted way', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ganglion-fmnist-'));
    try {
      const bundled = join(bundledDataDir(), 'fashion-mnist');
      writeFileSync(join(folder, 't10k-images.idx3-ubyte'), gunzipSync(readFileSync(join(bundled, 't10k-images-idx3-ubyte.gz'))));
      copyFileSync(join(bundled, 't10k-labels-idx1-ubyte.gz'), join(folder, 't10k-labels-idx1-ubyte.gz'));
      const fromFolder = await new FashionMnistDataset({ source: folder, split: 'test', limit: 100 }).load();
      const bundledSet = await new FashionMnistDataset({ split: 'test', limit: 100 }).load();
      expect(Buffer.from(fromFolder.pixels).equals(bundledSet.pixels)).toBe(true);
      expect(fromFolder.labels).toEqual(bundledSet.labels);
      await expect(new FashionMnistDataset({ source: folder, split: 'train' }).load()).rejects.toThrow(
        /No train-images-idx3-ubyte file in .*ganglion-fmnist-/,
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('returns its resolved options as plain data', () => {
    expect(new FashionMnistDataset({ limit: 10 }).getConfig()).toEqual({ source: 'bundled', split: 'train', limit: 10 });
    expect(JSON.parse(JSON.stringify(new MnistDataset({ split: 'test' }).getConfig()))).toEqual({ source: 'download', split: 'test' });
  });

  it('refuses a bad split and a bundled MNIST with messages that say what to do', () => {
    expect(() => new FashionMnistDataset({ split: 'val' as 'train' })).toThrow(/split must be 'train' or 'test', got "val"/);
    expect(() => new MnistDataset({ source: 'bundled' })).toThrow(/no bundled copy.*source: 'download'/);
  });
});
