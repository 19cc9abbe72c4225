import * as fs from 'node:fs';
import * as path from 'node:path';

/** The parts of the workspace's package.json a published package's manifest is derived from. */
export interface WorkspaceManifest {
  readonly version: string;
  readonly license: string;
  readonly engines: Record<string, string>;
  readonly dependencies: Record<string, string>;
  readonly optionalDependencies: Record<string, string>;
}

/** What one published package depends on, found in its compiled JavaScript. */
export interface PackageDependencies {
  readonly dependencies: Record<string, string>;
  readonly optionalDependencies: Record<string, string>;
}

const REQUIRE = /require(?:\.resolve)?\(\s*['"]([^'"]+)['"]\s*\)/g;
/** A string literal naming a package or a file in one, e.g. `'uplot/dist/uPlot.min.css'` handed to require.resolve later. */
const LITERAL = /['"]((?:@[a-z0-9-]+\/)?[a-z0-9.-]+(?:\/[^'"\s]*)?)['"]/g;

/**
 * The npm packages a folder of compiled JavaScript requires (`require('x')`,
 * `require.resolve('x/file')`, or a string literal naming one of the
 * workspace's dependencies, loaded by name later), with the workspace's versions: the
 * workspace's optional dependencies stay optional; `@ganglion/*` packages
 * get the version being packed. Fails, naming the file, on a package the
 * workspace does not depend on, so a manifest never misses one.
 */
export function dependenciesOf(folder: string, workspace: WorkspaceManifest): PackageDependencies {
  const dependencies: Record<string, string> = {};
  const optionalDependencies: Record<string, string> = {};
  const known = new Set([...Object.keys(workspace.dependencies), ...Object.keys(workspace.optionalDependencies)]);
  for (const file of javascriptFiles(folder)) {
    const text = fs.readFileSync(file, 'utf8');
    const named = [...text.matchAll(LITERAL)].map((match) => match[1]).filter((literal) => known.has(packageName(literal)));
    for (const request of [...[...text.matchAll(REQUIRE)].map((match) => match[1]), ...named]) {
      if (request.startsWith('.') || request.startsWith('node:') || isBuiltin(request)) continue;
      const name = packageName(request);
      if (name.startsWith('@ganglion/')) dependencies[name] = workspace.version;
      else if (workspace.optionalDependencies[name] !== undefined) optionalDependencies[name] = workspace.optionalDependencies[name];
      else if (workspace.dependencies[name] !== undefined) dependencies[name] = workspace.dependencies[name];
      else throw new Error(`${file} requires "${request}", which the workspace's package.json does not list in dependencies. Add it there.`);
    }
  }
  return { dependencies: sorted(dependencies), optionalDependencies: sorted(optionalDependencies) };
}

export function readWorkspaceManifest(root: string): WorkspaceManifest {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  return {
    version: manifest.version,
    license: manifest.license,
    engines: manifest.engines ?? {},
    dependencies: manifest.dependencies ?? {},
    optionalDependencies: manifest.optionalDependencies ?? {},
  };
}

function packageName(request: string): string {
  const parts = request.split('/');
  return request.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isBuiltin(request: string): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('node:module') as typeof import('node:module')).builtinModules.includes(request.split('/')[0]);
}

function javascriptFiles(folder: string): string[] {
  return fs
    .readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

function sorted(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
