import type { ServerResponse } from 'node:http';

/**
 * One Server-Sent Event as it goes on the wire: `event: <name>`, the data
 * as JSON on `data:` lines (one per line of text, so a newline can never
 * end the event early), then a blank line.
 */
export function formatSseEvent(name: string, data: unknown): string {
  if (!/^[A-Za-z][\w-]*$/.test(name)) throw new Error(`An SSE event name must be a word (letters, digits, - or _), got ${JSON.stringify(name)}.`);
  const json = JSON.stringify(data) ?? 'null';
  return `event: ${name}\n${json
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}\n`)
    .join('')}\n`;
}

/** A comment line: keeps idle connections (and proxies) from timing out; browsers ignore it. */
export const SSE_KEEPALIVE = ': keep-alive\n\n';

/** The open event streams of every connected browser; each gets every event. */
export class SseBroadcaster {
  private readonly clients = new Set<ServerResponse>();

  /** Number of connected browsers. */
  get size(): number {
    return this.clients.size;
  }

  /** Turns `response` into an event stream, writes `first` (the snapshot) and keeps it until the browser leaves or close(). */
  open(response: ServerResponse, first: string): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write('retry: 2000\n\n');
    response.write(first);
    this.clients.add(response);
    response.on('close', () => this.clients.delete(response));
    response.on('error', () => this.clients.delete(response));
  }

  send(name: string, data: unknown): void {
    this.write(formatSseEvent(name, data));
  }

  /** Writes raw event-stream text (an already formatted event or SSE_KEEPALIVE) to every client. */
  write(text: string): void {
    for (const client of this.clients) client.write(text);
  }

  /** Ends every stream. */
  close(): void {
    for (const client of this.clients) client.end();
    this.clients.clear();
  }
}
