import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StepMetrics } from '@ganglion/pipeline';
import type { CoordinatorEvents, RankMetrics, WorkerAnnouncement } from './coordinator-events';
import { type DashboardAsset, loadDashboardAssets } from './dashboard-assets';
import { type DashboardRunInfo, DashboardState } from './dashboard-state';
import { formatSseEvent, SSE_KEEPALIVE, SseBroadcaster } from './sse-broadcaster';

/** The port TensorBoard made familiar. */
export const DEFAULT_DASHBOARD_PORT = 6006;

export interface DashboardServerOptions {
  /** The run shown. */
  readonly run: DashboardRunInfo;
  /** Interface to bind. Default 127.0.0.1: the page has no login, so anything wider must be asked for. */
  readonly host?: string;
  /** TCP port; 0 picks a free one. Default 6006. */
  readonly port?: number;
  /** Wall-clock milliseconds. Default Date.now. */
  readonly now?: () => number;
  /** Worker ages and step times are pushed at most this often, in ms. Default 1000. */
  readonly flushIntervalMs?: number;
  /** A keep-alive comment goes to idle streams this often, in ms. Default 15000. */
  readonly keepAliveMs?: number;
}

/** True for a host name or address that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

/**
 * The live training dashboard: a node:http server with one page (uPlot
 * charts), its state as JSON (`/api/state`), the latest sample grid
 * (`/samples/latest.png`) and a Server-Sent Events stream (`/events`)
 * that starts with a `snapshot` and then carries `workers`, `step`,
 * `sample` and `run` events. It observes a Coordinator through
 * CoordinatorEvents; it never throws into it.
 */
export class DashboardServer implements CoordinatorEvents {
  private readonly state: DashboardState;
  private readonly broadcaster = new SseBroadcaster();
  private readonly assets: ReadonlyMap<string, DashboardAsset>;
  private readonly server: http.Server;
  private readonly timers: NodeJS.Timeout[] = [];
  private workersChanged = false;
  private boundUrl: string | undefined;

  constructor(private readonly options: DashboardServerOptions) {
    this.state = new DashboardState({ run: options.run, now: options.now ?? Date.now });
    this.assets = loadDashboardAssets();
    this.server = http.createServer((request, response) => this.handle(request, response));
  }

  /** Where the page is, once listening: `http://127.0.0.1:6006/`. */
  get url(): string {
    if (this.boundUrl === undefined) throw new Error('The dashboard is not listening yet: await listen() first.');
    return this.boundUrl;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  /** Binds the port; rejects with what to do when it is taken. Resolves to the page's URL. */
  async listen(): Promise<string> {
    const port = this.options.port ?? DEFAULT_DASHBOARD_PORT;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        reject(
          error.code === 'EADDRINUSE'
            ? new Error(`The dashboard cannot listen on ${this.host}:${port}: the port is taken (another run's dashboard, or TensorBoard?). Pass --dashboard-port <n>, or 0 for any free port.`, { cause: error })
            : new Error(`The dashboard cannot listen on ${this.host}:${port}: ${error.message}.`, { cause: error }),
        );
      };
      this.server.once('error', onError);
      this.server.listen(port, this.host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.boundUrl = `http://${shown}:${address.port}/`;
    this.timers.push(setInterval(() => this.flushWorkers(), this.options.flushIntervalMs ?? 1000).unref());
    this.timers.push(setInterval(() => this.broadcaster.write(SSE_KEEPALIVE), this.options.keepAliveMs ?? 15_000).unref());
    return this.boundUrl;
  }

  // ---- CoordinatorEvents ------------------------------------------------

  memberJoined(worker: WorkerAnnouncement): void {
    this.state.memberJoined(worker);
    this.sendWorkers();
  }

  memberLost(workerId: string, reason: string): void {
    this.state.memberLost(workerId, reason);
    this.sendWorkers();
  }

  generationChanged(generation: number, ranks: readonly string[]): void {
    this.state.generationChanged(generation, ranks);
    this.sendWorkers();
    this.sendRun();
  }

  messageFrom(workerId: string): void {
    if (this.state.messageFrom(workerId)) this.workersChanged = true;
  }

  stepFinished(metrics: StepMetrics, byRank: ReadonlyMap<number, RankMetrics>): void {
    const point = this.state.stepFinished(metrics, byRank);
    this.broadcaster.send('step', point);
    this.workersChanged = true;
  }

  samplesWritten(step: number, file: string): void {
    this.broadcaster.send('sample', this.state.samplesWritten(step, file));
  }

  /** The run ended; browsers still connected show it. */
  ended(status: 'finished' | 'failed', message: string | null = null): void {
    this.state.ended(status, message);
    this.sendWorkers();
    this.sendRun();
  }

  /** Ends every event stream and stops listening. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.broadcaster.close();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---- HTTP -------------------------------------------------------------

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    try {
      this.route(request, response);
    } catch (error) {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`dashboard error: ${(error as Error).message}\n`);
    }
  }

  private route(request: http.IncomingMessage, response: http.ServerResponse): void {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return this.plain(response, 405, `The dashboard only answers GET, not ${request.method}.`, { allow: 'GET, HEAD' });
    }
    if (!this.hostAllowed(request.headers.host)) {
      // A page bound to loopback is only for this machine: refusing other Host names stops DNS-rebinding sites from reading it.
      return this.plain(response, 403, `This dashboard answers to localhost only, not to Host ${JSON.stringify(request.headers.host)}.`);
    }
    const { pathname } = new URL(request.url ?? '/', 'http://dashboard');
    const asset = this.assets.get(pathname === '/index.html' ? '/' : pathname);
    if (asset !== undefined) {
      response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': asset.contentType, 'content-length': asset.body.length, 'cache-control': 'no-cache' });
      response.end(request.method === 'HEAD' ? undefined : asset.body);
      return;
    }
    switch (pathname) {
      case '/events':
        this.broadcaster.open(response, formatSseEvent('snapshot', this.state.snapshot()));
        return;
      case '/api/state': {
        const body = JSON.stringify(this.state.snapshot());
        response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : body);
        return;
      }
      case '/samples/latest.png':
        return this.sendSample(request, response);
      default:
        return this.plain(response, 404, `Nothing at ${pathname}: the dashboard is at /.`);
    }
  }

  private sendSample(request: http.IncomingMessage, response: http.ServerResponse): void {
    const file = this.state.latestSampleFile;
    if (file === null) return this.plain(response, 404, 'No sample grid yet: the first comes after sampleEvery steps.');
    let body: Buffer;
    try {
      body = fs.readFileSync(file);
    } catch (error) {
      return this.plain(response, 404, `The latest sample grid ${file} cannot be read: ${(error as Error).message}.`);
    }
    response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'image/png', 'content-length': body.length, 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : body);
  }

  private plain(response: http.ServerResponse, status: number, text: string, headers: http.OutgoingHttpHeaders = {}): void {
    response.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'content-type': 'text/plain; charset=utf-8' });
    response.end(`${text}\n`);
  }

  private hostAllowed(hostHeader: string | undefined): boolean {
    if (!isLoopbackHost(this.host)) return true;
    if (hostHeader === undefined) return false;
    const name = hostHeader.replace(/:\d+$/, '');
    return isLoopbackHost(name);
  }

  private sendWorkers(): void {
    this.workersChanged = false;
    this.broadcaster.send('workers', { now: (this.options.now ?? Date.now)(), workers: this.state.workerList() });
  }

  private flushWorkers(): void {
    if (this.workersChanged) this.sendWorkers();
  }

  private sendRun(): void {
    this.broadcaster.send('run', this.state.progress());
  }
}

/** Only this server's own scripts, styles and images; no framing by other sites. */
const SECURITY_HEADERS: http.OutgoingHttpHeaders = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'",
};
