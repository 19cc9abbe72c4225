import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './support/repo-root';

/**
 * The module boundaries of DESIGN.md, checked on the source: libs import
 * each other only through @ganglion/<lib> aliases, never apps; comm knows
 * nothing of tfjs; models and data know nothing of ZeroMQ; storage (durable
 * files) depends on nothing but node:fs.
 */
const LIBS = ['comm', 'data', 'models', 'pipeline', 'storage'] as const;

const FORBIDDEN: Record<(typeof LIBS)[number], RegExp[]> = {
  comm: [/^@tensorflow\//, /^@ganglion\/(models|data|pipeline)$/],
  data: [/^zeromq$/, /^@ganglion\/(comm|models|pipeline)$/],
  models: [/^zeromq$/, /^@ganglion\/(comm|pipeline)$/],
  pipeline: [/^zeromq$/],
  storage: [/^zeromq$/, /^@tensorflow\//, /^@ganglion\/(comm|data|models|pipeline)$/],
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const found = [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|^import\s+)['"]([^'"]+)['"]/gm)];
  return found.map((match) => match[1]);
}

describe('module boundaries', () => {
  for (const lib of LIBS) {
    it(`libs/${lib} imports only what DESIGN.md allows it`, () => {
      const root = path.join(REPO_ROOT, 'libs', lib, 'src');
      const violations: string[] = [];
      for (const file of sourceFiles(root)) {
        for (const specifier of importsOf(file)) {
          const relative = path.relative(REPO_ROOT, file);
          if (specifier.startsWith('.')) {
            const target = path.resolve(path.dirname(file), specifier);
            if (!target.startsWith(root)) violations.push(`${relative}: relative import '${specifier}' leaves libs/${lib}; use @ganglion/<lib>`);
          } else if (specifier.startsWith('@ganglion/') && !LIBS.some((l) => specifier === `@ganglion/${l}`)) {
            violations.push(`${relative}: '${specifier}' is not a lib alias (libs never import apps)`);
          } else if (FORBIDDEN[lib].some((pattern) => pattern.test(specifier))) {
            violations.push(`${relative}: libs/${lib} must not import '${specifier}'`);
          }
        }
      }
      expect(violations).toEqual([]);
    });
  }

  it('finds the imports it checks (the scanner itself works)', () => {
    const imports = importsOf(path.join(REPO_ROOT, 'libs', 'pipeline', 'src', 'trainer.ts'));
    expect(imports).toEqual(expect.arrayContaining(['inversify', '@ganglion/data', '@ganglion/models', './clock']));
  });
});
