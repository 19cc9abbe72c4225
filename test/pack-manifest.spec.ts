import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dependenciesOf, type WorkspaceManifest } from '../tools/pack/package-manifest';

/** tools/pack derives each package's dependencies from its compiled JavaScript; a missed one would break an install. */
describe('dependenciesOf (tools/pack)', () => {
  const workspace: WorkspaceManifest = {
    version: '0.3.0',
    license: 'MIT',
    engines: {},
    dependencies: { zod: '4.6.7', uplot: '^1.6.32', '@tensorflow/tfjs': '4.22.0' },
    optionalDependencies: { '@tensorflow/tfjs-node': '4.22.0' },
  };
  let folder: string;

  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-pack-'));
  });

  afterEach(() => {
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('finds require, require.resolve and package names loaded later; keeps optional ones optional; skips builtins and relative files', () => {
    fs.mkdirSync(path.join(folder, 'sub'));
    fs.writeFileSync(path.join(folder, 'a.js'), `const z = require("zod"); const fs = require("node:fs"); const p = require("path"); const own = require("./sub/b");`);
    fs.writeFileSync(
      path.join(folder, 'sub', 'b.js'),
      `const tf = require("@tensorflow/tfjs"); const c = require("@ganglion/comm"); const css = resolve('uplot/dist/uPlot.min.css'); const names = ['@tensorflow/tfjs-node'];`,
    );
    expect(dependenciesOf(folder, workspace)).toEqual({
      dependencies: { '@ganglion/comm': '0.3.0', '@tensorflow/tfjs': '4.22.0', uplot: '^1.6.32', zod: '4.6.7' },
      optionalDependencies: { '@tensorflow/tfjs-node': '4.22.0' },
    });
  });

  it('fails, naming the file, on a package the workspace does not depend on', () => {
    fs.writeFileSync(path.join(folder, 'c.js'), `require("left-pad");`);
    expect(() => dependenciesOf(folder, workspace)).toThrow(/c\.js requires "left-pad", which the workspace's package\.json does not list/);
  });
});
