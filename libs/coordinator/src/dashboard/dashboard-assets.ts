import * as fs from 'node:fs';
import * as path from 'node:path';

/** A file the dashboard serves as is. */
export interface DashboardAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

/** The page (assets/ beside this file) and uPlot (from node_modules: the machine may be offline, so no CDN), by URL path. */
export function loadDashboardAssets(): ReadonlyMap<string, DashboardAsset> {
  const page = path.join(__dirname, 'assets');
  const files: ReadonlyArray<readonly [string, string, string]> = [
    ['/', path.join(page, 'index.html'), 'text/html; charset=utf-8'],
    ['/dashboard.js', path.join(page, 'dashboard.js'), 'text/javascript; charset=utf-8'],
    ['/dashboard.css', path.join(page, 'dashboard.css'), 'text/css; charset=utf-8'],
    ['/vendor/uPlot.iife.min.js', resolveUplot('uplot/dist/uPlot.iife.min.js'), 'text/javascript; charset=utf-8'],
    ['/vendor/uPlot.min.css', resolveUplot('uplot/dist/uPlot.min.css'), 'text/css; charset=utf-8'],
  ];
  return new Map(files.map(([url, file, contentType]) => [url, { contentType, body: readAsset(file) }]));
}

function resolveUplot(request: string): string {
  try {
    return require.resolve(request);
  } catch (error) {
    throw new Error(`The dashboard draws its charts with uPlot, but ${request} cannot be found (${(error as Error).message}). Run \`npm install\` in the Ganglion folder.`, { cause: error });
  }
}

function readAsset(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new Error(`A dashboard file is missing: ${file} (${(error as Error).message}). The Ganglion install is incomplete; reinstall it.`, { cause: error });
  }
}
