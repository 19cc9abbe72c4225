import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledDataDir } from './bundled-data-dir';
import { Cifar10Dataset } from './cifar10-dataset';
import { defaultCacheDir } from './default-cache-dir';
import { DatasetDownloadError } from './dataset-download-error';
import { DatasetDownloader } from './dataset-downloader';
import { FashionMnistDataset } from './fashion-mnist-dataset';
import type { RemoteFile } from './remote-file';

const payload = Buffer.from('a small dataset file\n'.repeat(5000));
const sha256 = createHash('sha256').update(payload).digest('hex');

describe('DatasetDownloader against a local HTTP server', () => {
  let server: Server;
  let base: string;
  let cacheDir: string;
  const requests: string[] = [];
  /** Files the server serves, by URL path. */
  const routes = new Map<string, Buffer>();

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests.push(request.url!);
      const body = routes.get(request.url!);
      if (!body) {
        response.writeHead(404, 'Not Found').end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    routes.set('/good/data.bin', payload);
    routes.set('/bad/data.bin', Buffer.concat([payload.subarray(0, 100), Buffer.from('tampered')]));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'ganglion-cache-'));
    requests.length = 0;
  });
  afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

  const file = (...urls: string[]): RemoteFile => ({ name: 'data.bin', urls, sha256, size: payload.length });

  it('downloads a file whose checksum matches into the cache, then reuses it', async () => {
    const downloader = new DatasetDownloader({ cacheDir });
    const path = await downloader.fetch('toy', file(`${base}/good/data.bin`));
    expect(path).toBe(join(cacheDir, 'toy', 'data.bin'));
    expect(readFileSync(path)).toEqual(payload);
    expect(readdirSync(join(cacheDir, 'toy'))).toEqual(['data.bin']);
    expect(await new DatasetDownloader({ cacheDir }).fetch('toy', file(`${base}/good/data.bin`))).toBe(path);
    expect(requests).toEqual(['/good/data.bin']);
  });

  it('downloads again when the cached copy is corrupt', async () => {
    const downloader = new DatasetDownloader({ cacheDir });
    const path = await downloader.fetch('toy', file(`${base}/good/data.bin`));
    writeFileSync(path, 'damaged');
    const messages: string[] = [];
    await new DatasetDownloader({ cacheDir, log: (m) => messages.push(m) }).fetch('toy', file(`${base}/good/data.bin`));
    expect(readFileSync(path)).toEqual(payload);
    expect(requests).toEqual(['/good/data.bin', '/good/data.bin']);
    expect(messages[0]).toContain('cached copy has SHA-256');
  });

  it('refuses a file with the wrong checksum, says so, and leaves nothing in the cache', async () => {
    const downloader = new DatasetDownloader({ cacheDir });
    const error = await downloader.fetch('toy', file(`${base}/bad/data.bin`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetDownloadError);
    const message = (error as Error).message;
    expect(message).toContain(`${base}/bad/data.bin: checksum mismatch: expected SHA-256 ${sha256} (${payload.length} bytes), found `);
    expect(message).toContain('(108 bytes)');
    expect(message).toContain(`Nothing was written to ${join(cacheDir, 'toy', 'data.bin')}`);
    expect((error as DatasetDownloadError).offline).toBe(false);
    expect(readdirSync(join(cacheDir, 'toy'))).toEqual([]);
  });

  it('falls back to the next URL after an HTTP error or a bad copy', async () => {
    const downloader = new DatasetDownloader({ cacheDir });
    const path = await downloader.fetch('toy', file(`${base}/missing/data.bin`, `${base}/bad/data.bin`, `${base}/good/data.bin`));
    expect(readFileSync(path)).toEqual(payload);
    expect(requests).toEqual(['/missing/data.bin', '/bad/data.bin', '/good/data.bin']);
    const error = (await downloader.fetch('toy', { ...file(`${base}/missing/data.bin`), name: 'other.bin' }).catch((e) => e)) as Error;
    expect(error.message).toContain(`${base}/missing/data.bin: HTTP 404 Not Found`);
  });

  it('says the machine looks offline when nothing answers', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = (await new DatasetDownloader({ cacheDir }).fetch('toy', file(`http://127.0.0.1:${port}/data.bin`)).catch((e) => e)) as DatasetDownloadError;
    expect(error).toBeInstanceOf(DatasetDownloadError);
    expect(error.offline).toBe(true);
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.message).toContain('This machine looks offline');
    expect(existsSync(join(cacheDir, 'toy', 'data.bin'))).toBe(false);
  });

  it("wires 'download' into FashionMnistDataset: files that are not the official ones are refused and not cached", async () => {
    // The bundled subset is real Fashion-MNIST data but not the official files, so its checksum must not match.
    const bundled = join(bundledDataDir(), 'fashion-mnist');
    for (const name of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
      routes.set(`/mirror/${name}`, readFileSync(join(bundled, name)));
    }
    const dataset = new FashionMnistDataset({ source: 'download', split: 'test', cacheDir, mirrors: [`${base}/mirror/`] });
    await expect(dataset.load()).rejects.toThrow(
      /Could not download t10k-images-idx3-ubyte\.gz:\n  - http:\/\/127\.0\.0\.1:\d+\/mirror\/t10k-images-idx3-ubyte\.gz: checksum mismatch: expected SHA-256 346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073 \(4422102 bytes\)/,
    );
    expect(requests).toEqual(['/mirror/t10k-images-idx3-ubyte.gz']);
    expect(readdirSync(join(cacheDir, 'fashion-mnist'))).toEqual([]);
    await expect(new Cifar10Dataset({ source: 'download', cacheDir, mirrors: [`${base}/mirror`] }).load()).rejects.toThrow(
      /cifar-10-binary\.tar\.gz: HTTP 404/,
    );
  });
});

describe('defaultCacheDir', () => {
  it('is GANGLION_DATA_DIR when set, else ~/.ganglion/datasets', () => {
    expect(defaultCacheDir({ GANGLION_DATA_DIR: '/data/sets' })).toBe('/data/sets');
    expect(defaultCacheDir({})).toMatch(/[\\/]\.ganglion[\\/]datasets$/);
  });
});
