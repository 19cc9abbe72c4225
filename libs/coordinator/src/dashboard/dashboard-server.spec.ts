import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StepMetrics } from '@ganglion/pipeline';
import { DashboardServer, isLoopbackHost } from './dashboard-server';
import type { DashboardRunInfo } from './dashboard-state';

const RUN: DashboardRunInfo = { pipeline: 'fashion-vae', steps: 10, startStep: 0, reducer: 'star', batchSize: 8, workers: 1, runFolder: '/tmp/run' };

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A GET (or another method) with an explicit Host header. */
function request(url: string, options: { method?: string; host?: string } = {}): Promise<Reply> {
  const { hostname, port, pathname, search } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path: pathname + search, method: options.method ?? 'GET', headers: options.host === undefined ? {} : { host: options.host } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject).end();
  });
}

/** Parsed Server-Sent Events from /events, as they arrive. */
class EventStream {
  readonly events: Array<{ name: string; data: unknown }> = [];
  private buffer = '';
  private readonly request: http.ClientRequest;
  readonly ended: Promise<void>;

  constructor(url: string) {
    let onEnd: () => void = () => undefined;
    this.ended = new Promise((resolve) => (onEnd = resolve));
    this.request = http.get(`${url}events`, (response) => {
      response.setEncoding('utf8').on('data', (chunk: string) => this.take(chunk));
      response.on('end', onEnd);
    });
    this.request.on('error', () => undefined);
  }

  async waitFor(count: number): Promise<Array<{ name: string; data: unknown }>> {
    for (let i = 0; i < 300 && this.events.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    if (this.events.length < count) throw new Error(`expected ${count} events, got ${JSON.stringify(this.events)}`);
    return this.events;
  }

  close(): void {
    this.request.destroy();
  }

  private take(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const name = /^event: (.*)$/m.exec(block)?.[1];
      const data = [...block.matchAll(/^data: (.*)$/gm)].map((m) => m[1]).join('\n');
      if (name !== undefined) this.events.push({ name, data: JSON.parse(data) });
    }
  }
}

const STEP: StepMetrics = { step: 0, losses: { vae: 0.25 }, stepMs: 200, samplesPerSecond: 40, time: new Date(0).toISOString() };

describe('DashboardServer', () => {
  let server: DashboardServer;
  let url: string;
  let folder: string;

  beforeEach(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-dashboard-server-'));
    server = new DashboardServer({ run: RUN, port: 0, now: () => 1_000, flushIntervalMs: 20 });
    url = await server.listen();
  });

  afterEach(async () => {
    await server.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 by default, on the port it was given or a free one for 0', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(url).not.toBe('http://127.0.0.1:0/');
    expect(server.url).toBe(url);
  });

  it('serves the page, its script and style, and uPlot from node_modules', async () => {
    const page = await request(url);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const html = page.body.toString('utf8');
    for (const asset of ['/vendor/uPlot.iife.min.js', '/vendor/uPlot.min.css', '/dashboard.js', '/dashboard.css']) {
      expect(html).toContain(asset);
      const reply = await request(`${url}${asset.slice(1)}`);
      expect(reply.status).toBe(200);
      expect(reply.body.length).toBeGreaterThan(500);
    }
    const uplot = await request(`${url}vendor/uPlot.iife.min.js`);
    expect(uplot.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(uplot.body.equals(fs.readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js')))).toBe(true);
  });

  it('starts each event stream with a snapshot and then sends workers, run, step and sample events as the coordinator reports', async () => {
    const stream = new EventStream(url);
    const [snapshot] = await stream.waitFor(1);
    expect(snapshot).toEqual({ name: 'snapshot', data: expect.objectContaining({ run: RUN, status: 'waiting', workers: [], points: [] }) });

    server.memberJoined({ workerId: 'w-0', host: 'node-a', pid: 7, backend: 'wasm', devices: [] });
    server.generationChanged(1, ['w-0']);
    server.stepFinished(STEP, new Map([[0, { values: { stepMs: 190 } }]]));
    const grid = path.join(folder, 'step-000001.png');
    fs.writeFileSync(grid, Buffer.from('89504e470d0a1a0a', 'hex'));
    server.samplesWritten(1, grid);
    const events = await stream.waitFor(7);
    expect(events.slice(1, 7).map((e) => e.name)).toEqual(['workers', 'workers', 'run', 'step', 'sample', 'workers']);
    expect(events[2].data).toEqual({ now: 1_000, workers: [expect.objectContaining({ workerId: 'w-0', rank: 0, status: 'alive' })] });
    expect(events[3].data).toEqual({ status: 'training', message: null, generation: 1, step: 0 });
    expect(events[4].data).toEqual({ step: 0, losses: { vae: 0.25 }, samplesPerSecond: 40, stepMs: 200 });
    expect(events[5].data).toEqual({ step: 1, url: '/samples/latest.png?step=1' });
    // The rank's own step time follows within a flush interval.
    expect(events[6].data).toEqual({ now: 1_000, workers: [expect.objectContaining({ workerId: 'w-0', stepMs: 190 })] });

    const state = JSON.parse((await request(`${url}api/state`)).body.toString('utf8'));
    expect(state).toMatchObject({ status: 'training', generation: 1, step: 1, points: [{ step: 0 }], sample: { step: 1 } });

    server.ended('finished');
    const [workers, run] = (await stream.waitFor(9)).slice(7);
    expect(workers.data).toEqual({ now: 1_000, workers: [expect.objectContaining({ status: 'done' })] });
    expect(run).toEqual({ name: 'run', data: { status: 'finished', message: null, generation: 1, step: 1 } });
    await server.close();
    await stream.ended;
  });

  it('serves the latest sample grid only once there is one', async () => {
    expect((await request(`${url}samples/latest.png`)).status).toBe(404);
    const grid = path.join(folder, 'step-000004.png');
    fs.writeFileSync(grid, Buffer.from('89504e470d0a1a0a0000', 'hex'));
    server.samplesWritten(4, grid);
    const reply = await request(`${url}samples/latest.png?step=4`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('image/png');
    expect(reply.body.equals(fs.readFileSync(grid))).toBe(true);
  });

  it('answers only GET and HEAD, only to loopback Host names, and 404 with a hint elsewhere', async () => {
    const post = await request(url, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const rebound = await request(url, { host: 'attacker.example:6006' });
    expect(rebound.status).toBe(403);
    expect(rebound.body.toString()).toContain('answers to localhost only');
    expect((await request(url, { host: `localhost:${new URL(url).port}` })).status).toBe(200);
    const missing = await request(`${url}../../etc/passwd`);
    expect(missing.status).toBe(404);
    expect(missing.body.toString()).toContain('the dashboard is at /');
  });

  it('says what to do when the port is taken', async () => {
    const second = new DashboardServer({ run: RUN, port: Number(new URL(url).port) });
    await expect(second.listen()).rejects.toThrow(/port is taken .*Pass --dashboard-port <n>, or 0 for any free port/);
    await second.close();
  });
});

describe('isLoopbackHost', () => {
  it('knows loopback names and addresses from the rest', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'].map(isLoopbackHost)).toEqual([true, true, true, true, true]);
    expect(['0.0.0.0', '192.168.1.4', '::', 'example.com', '127.0.0.1.example.com'].map(isLoopbackHost)).toEqual([false, false, false, false, false]);
  });
});
