/**
 * Cuts the bundled Fashion-MNIST subset out of the full dataset.
 *
 * Source: Debian's `dataset-fashion-mnist` package, which installs the four
 * official gzipped IDX files (Zalando Research, MIT licence) under
 * /usr/share/datasets/fashion-mnist:
 *
 *   apt-get update && apt-get install -y dataset-fashion-mnist
 *   npx tsx data/scripts/cut-fashion-mnist.ts [sourceDir] [outDir]
 *
 * It keeps the FIRST 10,000 training images and labels and the FIRST 2,000
 * test images and labels, in their original order, rewrites the IDX headers
 * with the new counts and gzips them (level 9; Node writes mtime 0, so the
 * output is byte-for-byte reproducible). Only the digests of the official
 * .gz files are published and Debian recompressed them, so the source cannot
 * be checked against those digests here; the script checks the IDX headers
 * (magic, counts, 28x28) instead and prints the SHA-256 of every output.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

const sourceDir = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const outDir = process.argv[3] ?? resolve(__dirname, '..', 'fashion-mnist');

const cuts = [
  { images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz', keep: 10_000, total: 60_000 },
  { images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz', keep: 2_000, total: 10_000 },
];

function readIdx(file: string, magic: number, total: number, headerBytes: number): Buffer {
  const data = gunzipSync(readFileSync(join(sourceDir, file)));
  const foundMagic = data.readUInt32BE(0);
  const count = data.readUInt32BE(4);
  if (foundMagic !== magic || count !== total) {
    throw new Error(
      `${file}: expected magic 0x${magic.toString(16).padStart(8, '0')} and ${total} items, ` +
        `found 0x${foundMagic.toString(16).padStart(8, '0')} and ${count}`,
    );
  }
  if (headerBytes === 16 && (data.readUInt32BE(8) !== 28 || data.readUInt32BE(12) !== 28)) {
    throw new Error(`${file}: expected 28x28 images`);
  }
  return data;
}

function cut(data: Buffer, headerBytes: number, itemBytes: number, keep: number): Buffer {
  const out = Buffer.from(data.subarray(0, headerBytes + keep * itemBytes));
  out.writeUInt32BE(keep, 4);
  return out;
}

function writeGzip(file: string, raw: Buffer): void {
  const gz = gzipSync(raw, { level: 9 });
  const target = join(outDir, file);
  writeFileSync(`${target}.tmp`, gz);
  renameSync(`${target}.tmp`, target);
  const sha = createHash('sha256').update(gz).digest('hex');
  console.log(`${file}  ${gz.length} bytes  sha256 ${sha}`);
}

mkdirSync(outDir, { recursive: true });
for (const { images, labels, keep, total } of cuts) {
  const imageData = readIdx(images, 0x803, total, 16);
  const labelData = readIdx(labels, 0x801, total, 8);
  writeGzip(images, cut(imageData, 16, 28 * 28, keep));
  writeGzip(labels, cut(labelData, 8, 1, keep));
}
