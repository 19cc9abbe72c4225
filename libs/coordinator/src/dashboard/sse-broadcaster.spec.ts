import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatSseEvent, SseBroadcaster } from './sse-broadcaster';

describe('formatSseEvent', () => {
  it('writes the event name, the data as JSON on one data line, and the blank line that ends the event', () => {
    expect(formatSseEvent('step', { step: 3, losses: { vae: 0.5 } })).toBe('event: step\ndata: {"step":3,"losses":{"vae":0.5}}\n\n');
  });

  it('keeps text with newlines inside one event (JSON escapes them)', () => {
    const text = formatSseEvent('run', { message: 'line one\nline two\r\n\ndata: forged' });
    expect(text.split('\n\n')).toEqual(['event: run\ndata: {"message":"line one\\nline two\\r\\n\\ndata: forged"}', '']);
  });

  it('sends null for undefined data and refuses event names that could break the stream', () => {
    expect(formatSseEvent('sample', undefined)).toBe('event: sample\ndata: null\n\n');
    expect(() => formatSseEvent('step\ndata: x', 1)).toThrow(/SSE event name must be a word/);
    expect(() => formatSseEvent('', 1)).toThrow(/SSE event name must be a word/);
  });
});

describe('SseBroadcaster', () => {
  let server: http.Server;
  let broadcaster: SseBroadcaster;
  let port: number;

  beforeEach(async () => {
    broadcaster = new SseBroadcaster();
    server = http.createServer((_request, response) => broadcaster.open(response, formatSseEvent('snapshot', { hello: true })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    broadcaster.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Connects a client; resolves with its response headers and a reader of everything it received so far. */
  function connect(): Promise<{ headers: http.IncomingHttpHeaders; text: () => string; ended: Promise<void> }> {
    return new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/' }, (response) => {
          let text = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          const ended = new Promise<void>((done) => response.on('end', () => done()));
          resolve({ headers: response.headers, text: () => text, ended });
        })
        .on('error', reject);
    });
  }

  async function until(condition: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    if (!condition()) throw new Error('condition not met within 2 s');
  }

  it('streams the first event, then every broadcast, to every client, and ends the streams on close', async () => {
    const a = await connect();
    const b = await connect();
    expect(a.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(a.headers['cache-control']).toContain('no-cache');
    await until(() => broadcaster.size === 2);
    broadcaster.send('step', { step: 0 });
    const expected = 'retry: 2000\n\nevent: snapshot\ndata: {"hello":true}\n\nevent: step\ndata: {"step":0}\n\n';
    await until(() => a.text() === expected && b.text() === expected);
    broadcaster.close();
    await Promise.all([a.ended, b.ended]);
    expect(broadcaster.size).toBe(0);
  });

  it('forgets a client that disconnects', async () => {
    const request = http.get({ host: '127.0.0.1', port, path: '/' });
    request.on('error', () => undefined); // destroy() below hangs up on purpose.
    await until(() => broadcaster.size === 1);
    request.destroy();
    await until(() => broadcaster.size === 0);
    broadcaster.send('step', { step: 1 }); // Nobody left to write to: no error.
  });
});
