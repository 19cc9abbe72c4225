import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { GanglionProcess } from './support/ganglion-process';
import { findChromium, launchChromium } from './support/headless-chromium';
import { onlyRunFolder } from './support/run-cli';

const PIPELINES = ['fashion-vae', 'fashion-dcgan', 'fashion-rowlstm'] as const;
const CHROMIUM = findChromium();

/** Runs a `ganglion` command in a child process; several can run at once. */
async function ganglion(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = GanglionProcess.start(args);
  const { code } = await child.exited;
  return { status: code, stdout: child.stdout, stderr: child.stderr };
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
};

/** A minimal static file server for `root` on 127.0.0.1, on a free port. */
async function serveFolder(root: string): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((request, response) => {
    const relative = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.resolve(root, relative);
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/** What the page's canvas shows: its size, and the distinct grey levels inside the images (padding left out). */
interface CanvasPixels {
  readonly width: number;
  readonly height: number;
  readonly levels: number;
  readonly fingerprint: string;
}

/**
 * `ganglion export` through the real command, from tiny checkpoints of all
 * three models, and the page it writes driven in headless Chromium: served
 * over http from 127.0.0.1, the button pressed, the canvas read back.
 */
(CHROMIUM === undefined ? describe.skip : describe)('ganglion export: the page draws samples in headless Chromium', () => {
  let dir: string;
  let browser: Browser;
  const served: Record<string, { server: http.Server; url: string }> = {};
  const exported: Record<string, { stdout: string; stderr: string }> = {};

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-web-export-'));
    const trained = await Promise.all(
      PIPELINES.map((name) =>
        ganglion(['train', `pipelines/${name}.ts`, '--steps', '2', '--batch-size', '8', '--sample-every', '0', '--log-format', 'json', '--out', path.join(dir, 'runs')]),
      ),
    );
    trained.forEach((result, i) => {
      if (result.status !== 0) throw new Error(`ganglion train ${PIPELINES[i]} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
    });
    const exports = await Promise.all(
      PIPELINES.map((name) => ganglion(['export', onlyRunFolder(path.join(dir, 'runs'), name), '--out', path.join(dir, 'web', name), '--n', '16'])),
    );
    for (const [i, name] of PIPELINES.entries()) {
      if (exports[i].status !== 0) throw new Error(`ganglion export ${name} exited ${exports[i].status}:\n${exports[i].stdout}\n${exports[i].stderr}`);
      exported[name] = exports[i];
      served[name] = await serveFolder(path.join(dir, 'web', name));
    }
    browser = await launchChromium(CHROMIUM as string);
  });

  afterAll(async () => {
    await browser?.close();
    for (const { server } of Object.values(served)) server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['fashion-vae', 'decoder'],
    ['fashion-dcgan', 'generator'],
    ['fashion-rowlstm', 'rnn'],
  ] as const)('%s: exports the %s, and each press of the button draws a new grid whose pixels are not all the same', async (name, network) => {
    expect(exported[name].stderr).toBe('');
    expect(exported[name].stdout).toContain(`Exported the ${network} of`);
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console error: ${message.text()}`);
    });
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    try {
      await page.goto(served[name].url);
      await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
      expect(await page.textContent('#about')).toContain(`from pipeline ${name}, step 2`);

      const draws: CanvasPixels[] = [];
      for (const press of [1, 2]) {
        await page.click('#draw');
        await page.waitForSelector(`body[data-draws="${press}"]`, { timeout: 120_000 });
        draws.push(await page.evaluate(readCanvas));
      }
      // 16 images: a 4x4 grid of 28x28 with 2 px padding, drawn at 4x.
      expect(draws.map(({ width, height }) => [width, height])).toEqual([
        [(4 * 28 + 5 * 2) * 4, (4 * 28 + 5 * 2) * 4],
        [(4 * 28 + 5 * 2) * 4, (4 * 28 + 5 * 2) * 4],
      ]);
      expect(draws[0].levels).toBeGreaterThan(1);
      expect(draws[1].levels).toBeGreaterThan(1);
      expect(draws[1].fingerprint).not.toBe(draws[0].fingerprint);
      expect(await page.textContent('#status')).toMatch(/^Drew 16 images in \d+ ms\.$/);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

if (CHROMIUM === undefined) {
  // Outside CI only (findChromium throws in CI): say why the browser test did not run.
  // eslint-disable-next-line no-console
  console.warn('test/web-export.spec.ts skipped: no Chromium found (install it with "apt-get install -y chromium" or set CHROMIUM_PATH).');
}

/** The little of the DOM that readCanvas uses (the e2e project compiles without the DOM library). */
interface PageDocument {
  getElementById(id: string): {
    readonly width: number;
    readonly height: number;
    getContext(kind: '2d'): { getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray; width: number; height: number } };
  };
}

/** Runs in the page: the canvas's size, its distinct red levels inside the images, and a fingerprint of its pixels. */
function readCanvas(): CanvasPixels {
  const canvas = (globalThis as unknown as { document: PageDocument }).document.getElementById('grid');
  const { data, width, height } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  const scale = 4;
  const pitch = (28 + 2) * scale;
  const levels = new Set<number>();
  let hash = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const red = data[(y * width + x) * 4];
      hash = (Math.imul(hash, 31) + red) | 0;
      if (y % pitch >= 2 * scale && x % pitch >= 2 * scale) levels.add(red);
    }
  }
  return { width, height, levels: levels.size, fingerprint: String(hash) };
}
