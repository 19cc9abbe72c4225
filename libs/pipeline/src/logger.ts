import * as fs from 'node:fs';
import pino from 'pino';
import pretty from 'pino-pretty';

export type Logger = pino.Logger;

/** DI token for the run's pino logger. */
export const Logger = Symbol('Logger');

export interface LoggerOptions {
  /** `pretty` for people (the default), `json` for machines. */
  readonly format?: 'pretty' | 'json';
  /** Also append JSON lines to this file (the run folder's log). */
  readonly file?: string;
  /** pino level; `info` by default. */
  readonly level?: string;
  /** Fields on every line, e.g. `{ rank: 0 }`. */
  readonly base?: Record<string, unknown>;
}

/** A pino logger writing pretty or JSON lines to stdout, and JSON to the run's log file. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const console =
    options.format === 'json'
      ? pino.destination({ fd: 1, sync: true })
      : pretty({ colorize: process.stdout.isTTY === true, sync: true, destination: process.stdout, ignore: 'pid,hostname', translateTime: 'HH:MM:ss', hideObject: true });
  const streams: pino.StreamEntry[] = [{ stream: console }];
  if (options.file !== undefined) {
    fs.mkdirSync(require('node:path').dirname(options.file), { recursive: true });
    streams.push({ stream: pino.destination({ dest: options.file, sync: true }) });
  }
  return pino({ level: options.level ?? 'info', base: options.base ?? {} }, pino.multistream(streams));
}
