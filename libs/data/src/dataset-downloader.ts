import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { defaultCacheDir } from './default-cache-dir';
import { DatasetDownloadError } from './dataset-download-error';
import type { RemoteFile } from './remote-file';
import { temporaryPathFor } from '@ganglion/storage';

/** Error codes that mean "no network" rather than "bad server". */
const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export interface DatasetDownloaderOptions {
  /** Root of the cache; default `$GANGLION_DATA_DIR`, else `~/.ganglion/datasets`. */
  cacheDir?: string;
  /** Time limit for one URL, in milliseconds; default 10 minutes. */
  timeoutMs?: number;
  /** Told about each download and each stale cache entry; default silent. */
  log?: (message: string) => void;
}

/**
 * Keras `get_file`-style download and cache: a file is fetched once into
 * `<cacheDir>/<folder>/<name>`, its SHA-256 (and size) checked while it is
 * streamed to a temporary file, and only then renamed into place; a cached
 * file is checked again before each reuse and fetched anew when it does not
 * match. A failed or mismatching download leaves nothing in the cache.
 */
export class DatasetDownloader {
  readonly cacheDir: string;
  private readonly timeoutMs: number;
  private readonly log: (message: string) => void;

  constructor(options: DatasetDownloaderOptions = {}) {
    this.cacheDir = options.cacheDir ?? defaultCacheDir();
    this.timeoutMs = options.timeoutMs ?? 600_000;
    this.log = options.log ?? (() => undefined);
  }

  /** Path where `file` is (or would be) cached under `folder`. */
  pathOf(folder: string, file: RemoteFile): string {
    return join(this.cacheDir, folder, file.name);
  }

  /** The path of a verified copy of `file`, downloading it when the cache has none. */
  async fetch(folder: string, file: RemoteFile): Promise<string> {
    const target = this.pathOf(folder, file);
    if (existsSync(target)) {
      const found = await hashFile(target);
      if (found.sha256 === file.sha256) return target;
      this.log(`${target}: cached copy has SHA-256 ${found.sha256}, expected ${file.sha256}; downloading it again`);
      rmSync(target, { force: true });
    }
    mkdirSync(join(this.cacheDir, folder), { recursive: true });
    const attempts: string[] = [];
    let offline = true;
    for (const url of file.urls) {
      const temporary = temporaryPathFor(target);
      try {
        this.log(`downloading ${url}`);
        const found = await this.download(url, temporary);
        const sizeWrong = file.size !== undefined && found.bytes !== file.size;
        if (found.sha256 !== file.sha256 || sizeWrong) {
          offline = false;
          attempts.push(
            `${url}: checksum mismatch: expected SHA-256 ${file.sha256}${file.size !== undefined ? ` (${file.size} bytes)` : ''}, ` +
              `found ${found.sha256} (${found.bytes} bytes)`,
          );
          continue;
        }
        renameSync(temporary, target);
        return target;
      } catch (error) {
        const { text, isOffline } = describe(error);
        offline &&= isOffline;
        attempts.push(`${url}: ${text}`);
      } finally {
        rmSync(temporary, { force: true });
      }
    }
    throw new DatasetDownloadError(file.name, target, attempts, offline && attempts.length > 0);
  }

  private async download(url: string, temporary: string): Promise<{ sha256: string; bytes: number }> {
    const response = await fetch(url, {
      headers: { 'accept-encoding': 'identity' },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new HttpStatusError(response.status, response.statusText);
    }
    const hash = createHash('sha256');
    let bytes = 0;
    await pipeline(
      Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          bytes += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(temporary, { flags: 'wx' }),
    );
    return { sha256: hash.digest('hex'), bytes };
  }
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    statusText: string,
  ) {
    super(`HTTP ${status}${statusText ? ` ${statusText}` : ''}`);
  }
}

/** SHA-256 and size of a file on disk. */
export async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

function describe(error: unknown): { text: string; isOffline: boolean } {
  if (error instanceof HttpStatusError) return { text: error.message, isOffline: false };
  const err = error as Error & { cause?: { code?: string; message?: string }; code?: string };
  const code = err.cause?.code ?? err.code;
  if (err.name === 'TimeoutError') return { text: 'timed out', isOffline: true };
  const detail = err.cause?.message ?? err.message;
  return { text: code ? `${detail} (${code})` : detail, isOffline: code !== undefined && OFFLINE_CODES.has(code) };
}
