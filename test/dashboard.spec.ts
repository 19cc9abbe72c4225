import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { GanglionProcess } from './support/ganglion-process';
import { findChromium, launchChromium } from './support/headless-chromium';
import { REPO_ROOT } from './support/repo-root';

/** Set GANGLION_DOCS_IMAGES=1 to refresh the README's screenshot (docs/images/dashboard.png) from this run. */
const DOCS_SCREENSHOT = path.join(REPO_ROOT, 'docs', 'images', 'dashboard.png');
/** Screenshots of each run, kept for looking at (tmp/ is not committed). */
const OUTPUT_DIR = path.join(REPO_ROOT, 'tmp', 'test-output', 'dashboard');

/** GANGLION_DOCS_IMAGES=1: a longer run (more to see in the curves and the samples) whose live screenshot becomes the README's. */
const DOCS = process.env['GANGLION_DOCS_IMAGES'] === '1';
const STEPS = DOCS ? 160 : 24;
/** How long the page may take to show the live view, then the end. */
const WAIT_MS = DOCS ? 420_000 : 240_000;
const SAMPLE_EVERY = DOCS ? 20 : 4;
/** Steps plotted when the live view is checked and photographed. */
const LIVE_AT = DOCS ? STEPS - 10 : STEPS / 2;

const chromium = findChromium(); // Throws in CI (CI=true) when Chromium is missing, so the test cannot be skipped there.
if (chromium === undefined) {
  process.stderr.write('dashboard.spec: SKIPPED, no Chromium found at /usr/bin/chromium (apt-get install chromium, or set CHROMIUM_PATH).\n');
}
const describeWithChromium = chromium === undefined ? describe.skip : describe;

/**
 * The live dashboard during a real 2-worker run (`ganglion launch
 * --dashboard --dashboard-port 0`: the coordinator, two worker processes,
 * the DCGAN on WASM), looked at in headless Chromium. The page opens
 * before the workers join, so everything it shows arrived over its
 * Server-Sent Events stream.
 */
describeWithChromium('live training dashboard', () => {
  let outDir: string;
  let browser: Browser | undefined;
  let launch: GanglionProcess | undefined;

  beforeAll(() => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-dashboard-'));
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    launch?.kill();
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  it('shows both workers, loss and throughput curves and the latest sample grid while a 2-worker run trains, then the finished run', async () => {
    launch = GanglionProcess.start([
      'launch', 'pipelines/fashion-dcgan.ts', '--workers', '2', '--steps', String(STEPS), '--batch-size', '16', '--sample-every', String(SAMPLE_EVERY),
      '--log-every', '8', '--backend', 'wasm', '--progress', 'lines', '--out', outDir, '--dashboard', '--dashboard-port', '0',
    ]);
    await launch.waitForOutput(/dashboard at http:\/\/127\.0\.0\.1:\d+\//, 120_000);
    const url = (/dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(launch.output) as RegExpExecArray)[1];

    browser = await launchChromium(chromium as string);
    // The page's CSP forbids eval; Playwright's waitForFunction polls with it.
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, bypassCSP: true });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(url);

    // Live: both workers ranked, at least half the steps plotted, a sample grid loaded.
    // One snapshot, taken in the same poll that saw the condition: a newer grid arriving later would reload the <img>.
    const snapshot = await page.waitForFunction(
      `(() => {
        const { model, charts } = window.ganglionDashboard;
        const img = document.getElementById('sample');
        const ready = model.workers.filter((w) => w.status === 'alive').length === 2 && model.points.length >= ${LIVE_AT} && img.complete && img.naturalWidth > 0;
        if (!ready) return false;
        const nonNull = (values) => values.filter((v) => v !== null && v !== undefined).length;
        return {
          rows: [...document.querySelectorAll('#worker-rows tr')].map((tr) => ({ rank: tr.dataset.rank, status: tr.dataset.status, cells: [...tr.cells].map((td) => td.textContent) })),
          lossSeries: charts.loss.series.map((s) => s.label),
          lossPoints: charts.loss.data.slice(1).map(nonNull),
          throughputPoints: nonNull(charts.throughput.data[1]),
          sample: { naturalWidth: img.naturalWidth, src: img.getAttribute('src') },
          step: document.getElementById('step').textContent,
          pipeline: document.getElementById('pipeline').textContent,
          reducer: document.getElementById('reducer').textContent,
          generation: document.getElementById('generation').textContent,
          connection: document.getElementById('connection').textContent,
        };
      })()`,
      undefined,
      { timeout: WAIT_MS, polling: 250 },
    );
    const live = (await snapshot.jsonValue()) as LiveView;

    expect(live.rows.map((row) => row.rank)).toEqual(['0', '1']);
    expect(live.rows.map((row) => row.status)).toEqual(['alive', 'alive']);
    for (const row of live.rows) {
      expect(row.cells[3]).toBe('wasm'); // backend
      expect(row.cells[4]).toMatch(/^\d+ ms$/); // the rank's own step time
      expect(row.cells[5]).toMatch(/^\d+\.\d s ago$/); // last message
    }
    expect(live.lossSeries).toEqual(['step', 'discriminator', 'generator']);
    for (const count of live.lossPoints) expect(count).toBeGreaterThanOrEqual(LIVE_AT);
    expect(live.throughputPoints).toBeGreaterThanOrEqual(LIVE_AT);
    expect(live.sample.naturalWidth).toBeGreaterThan(28 * 4);
    expect(live.sample.src).toMatch(/^\/samples\/latest\.png\?step=\d+$/);
    expect(live.step).toMatch(new RegExp(`^\\d+ / ${STEPS}$`));
    expect(live.pipeline).toBe('fashion-dcgan');
    expect(live.reducer).toBe('ring');
    expect(live.generation).toBe('1');
    expect(live.connection).toBe('live');

    const shot = await page.screenshot({ path: path.join(OUTPUT_DIR, 'dashboard-live.png'), fullPage: true });
    if (DOCS) {
      fs.mkdirSync(path.dirname(DOCS_SCREENSHOT), { recursive: true });
      fs.writeFileSync(DOCS_SCREENSHOT, shot);
    }

    // The end of the run reaches the page before the server closes.
    await page.waitForFunction(`window.ganglionDashboard.model.status === 'finished'`, undefined, { timeout: WAIT_MS, polling: 250 });
    const finished = (await page.evaluate(`(() => ({
      step: document.getElementById('step').textContent,
      points: window.ganglionDashboard.model.points.length,
      connection: document.getElementById('connection').textContent,
    }))()`)) as { step: string; points: number; connection: string };
    expect(finished).toEqual({ step: `${STEPS} / ${STEPS}`, points: STEPS, connection: 'run ended' });
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'dashboard-finished.png'), fullPage: true });

    expect(await launch.exit(120_000)).toBe(0);
    expect(launch.stdout).toContain(`Trained ${STEPS} steps with 2 workers`);
    // The server closed with the run.
    await expect(fetch(url)).rejects.toThrow();
    expect(pageErrors).toEqual([]);
  });
});

interface LiveView {
  rows: Array<{ rank: string; status: string; cells: string[] }>;
  lossSeries: string[];
  lossPoints: number[];
  throughputPoints: number;
  sample: { naturalWidth: number; src: string };
  step: string;
  pipeline: string;
  reducer: string;
  generation: string;
  connection: string;
}
