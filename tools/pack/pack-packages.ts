import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dependenciesOf, readWorkspaceManifest, type WorkspaceManifest } from './package-manifest';

/**
 * `npm run pack`: compiles the libs and apps to JavaScript with type
 * declarations and packs one tarball per publishable package into
 * `dist/packages/` (or `--out <dir>`):
 *
 *   @ganglion/<lib>   one per `@ganglion/*` alias in tsconfig.base.json: its
 *                     compiled src/ and the assets beside it (the bundled
 *                     Fashion-MNIST subset goes with @ganglion/data)
 *   ganglion          the `ganglion` command: bin/ganglion.js and the apps
 *
 * Emitted JavaScript keeps its `@ganglion/<lib>` imports: in an install they
 * are real packages, so a user's pipeline imports them exactly as the
 * pipelines in this repository do. `--skip-build` packs an existing build;
 * `--work <dir>` holds the build and the staged packages (default dist/).
 */
const ROOT = path.resolve(__dirname, '..', '..');
/** The folders of compiled apps the `ganglion` package holds (bin/ganglion.js requires apps/cli/src/main without an extension). */
const CLI_APPS = ['apps'];

/** Where the compiled tree and the staged package folders go. */
interface WorkFolders {
  readonly build: string;
  readonly stage: string;
}

function main(argv: readonly string[]): void {
  const flag = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const out = path.resolve(flag('--out') ?? path.join(ROOT, 'dist', 'packages'));
  const workRoot = path.resolve(flag('--work') ?? path.join(ROOT, 'dist'));
  const work: WorkFolders = { build: path.join(workRoot, 'build'), stage: path.join(workRoot, 'stage') };
  if (!argv.includes('--skip-build')) build(work);
  const workspace = readWorkspaceManifest(ROOT);
  fs.rmSync(work.stage, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const staged = [...libAliases().map((lib) => stageLib(lib, workspace, work)), stageCli(workspace, work)];
  for (const folder of staged) {
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: folder, encoding: 'utf8' }).trim().split('\n').at(-1);
    process.stdout.write(`${path.join(out, tarball as string)}\n`);
  }
}

function build(work: WorkFolders): void {
  fs.rmSync(work.build, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(__dirname, 'tsconfig.build.json'), '--outDir', work.build], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

/** `@ganglion/comm` → `comm`, for every alias of tsconfig.base.json that points at `libs/<name>/src/index.ts`. */
function libAliases(): string[] {
  const base = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.base.json'), 'utf8'));
  return Object.entries(base.compilerOptions.paths as Record<string, string[]>)
    .filter(([alias, [target]]) => alias.startsWith('@ganglion/') && target === `libs/${alias.slice('@ganglion/'.length)}/src/index.ts`)
    .map(([alias]) => alias.slice('@ganglion/'.length));
}

function stageLib(lib: string, workspace: WorkspaceManifest, work: WorkFolders): string {
  const folder = path.join(work.stage, lib);
  copyCompiled(path.join(work.build, 'libs', lib, 'src'), path.join(ROOT, 'libs', lib, 'src'), path.join(folder, 'src'));
  const files = ['src'];
  if (lib === 'data') {
    fs.cpSync(path.join(ROOT, 'data', 'fashion-mnist'), path.join(folder, 'data', 'fashion-mnist'), { recursive: true });
    files.push('data');
  }
  writeManifest(folder, workspace, {
    name: `@ganglion/${lib}`,
    description: `Ganglion's ${lib} library (see the ganglion package).`,
    main: 'src/index.js',
    types: 'src/index.d.ts',
    files,
    ...dependenciesOf(path.join(folder, 'src'), workspace),
  });
  return folder;
}

function stageCli(workspace: WorkspaceManifest, work: WorkFolders): string {
  const folder = path.join(work.stage, 'ganglion');
  for (const apps of CLI_APPS) {
    for (const app of fs.readdirSync(path.join(work.build, apps))) {
      copyCompiled(path.join(work.build, apps, app, 'src'), path.join(ROOT, apps, app, 'src'), path.join(folder, apps, app, 'src'));
    }
  }
  fs.cpSync(path.join(ROOT, 'bin'), path.join(folder, 'bin'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'deploy'), path.join(folder, 'deploy'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'README.md'), path.join(folder, 'README.md'));
  const found = dependenciesOf(folder, workspace);
  // Every lib, so that installing `ganglion` gives a pipeline file all it imports.
  const libs = Object.fromEntries(libAliases().map((lib) => [`@ganglion/${lib}`, workspace.version]));
  writeManifest(folder, workspace, {
    name: 'ganglion',
    description: 'Data-parallel training of generative image models with TensorFlow.js, averaged over ZeroMQ: the `ganglion` command.',
    bin: { ganglion: 'bin/ganglion.js' },
    files: ['bin', ...CLI_APPS, 'deploy', 'README.md'],
    dependencies: { ...found.dependencies, ...libs },
    optionalDependencies: found.optionalDependencies,
  });
  return folder;
}

/** Compiled .js/.d.ts of one src folder, plus the files beside the sources that are not TypeScript (page assets). */
function copyCompiled(compiled: string, sources: string, target: string): void {
  fs.cpSync(compiled, target, { recursive: true });
  fs.cpSync(sources, target, {
    recursive: true,
    filter: (source) => fs.statSync(source).isDirectory() || !/\.(ts|tsx)$/.test(source),
  });
}

function writeManifest(folder: string, workspace: WorkspaceManifest, fields: Record<string, unknown>): void {
  const manifest = {
    version: workspace.version,
    license: workspace.license,
    engines: workspace.engines,
    ...fields,
  };
  fs.writeFileSync(path.join(folder, 'package.json'), `${JSON.stringify(orderManifest(manifest), null, 2)}\n`);
}

function orderManifest(manifest: Record<string, unknown>): Record<string, unknown> {
  const order = ['name', 'version', 'description', 'license', 'main', 'types', 'bin', 'files', 'engines', 'dependencies', 'optionalDependencies'];
  return Object.fromEntries(order.filter((key) => manifest[key] !== undefined).map((key) => [key, manifest[key]]));
}

main(process.argv.slice(2));
