import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './support/repo-root';

/**
 * The module boundaries of DESIGN.md, checked on the source: libs import
 * each other only through @ganglion/<lib> aliases, never apps; apps never
 * import each other; comm knows nothing of tfjs; models and data know
 * nothing of ZeroMQ; the coordinator computes nothing, so it imports tfjs
 * and @ganglion/models for their types at most.
 */
const LIBS = ['comm', 'coordinator', 'data', 'models', 'pipeline'] as const;
const APPS = ['cli', 'coordinator', 'worker'] as const;

const FORBIDDEN: Record<(typeof LIBS)[number], RegExp[]> = {
  comm: [/^@tensorflow\//, /^@ganglion\/(models|data|pipeline|coordinator)$/],
  coordinator: [/^zeromq$/],
  data: [/^zeromq$/, /^@ganglion\/(comm|models|pipeline|coordinator)$/],
  models: [/^zeromq$/, /^@ganglion\/(comm|pipeline|coordinator)$/],
  pipeline: [/^zeromq$/, /^@ganglion\/coordinator$/],
};

/** Imports a lib may name for their types only (`import type`), never load. */
const TYPES_ONLY: Partial<Record<(typeof LIBS)[number], RegExp[]>> = {
  coordinator: [/^@tensorflow\//, /^@ganglion\/models$/],
};

interface Import {
  readonly specifier: string;
  /** `import type {...}`, or every imported name marked `type`. */
  readonly typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function importsOf(file: string): Import[] {
  const text = fs.readFileSync(file, 'utf8');
  const found = [...text.matchAll(/(?:^(import|export)\s+(type\s+)?(\{[^}]*\}|[^'"]*?)\s*from\s+|import\s*\(\s*|require\s*\(\s*|^import\s+)['"]([^'"]+)['"]/gm)];
  return found.map((match) => {
    const names = match[3]?.startsWith('{') ? match[3].slice(1, -1).split(',').map((name) => name.trim()).filter((name) => name !== '') : [];
    const typeOnly = match[2] !== undefined || (names.length > 0 && names.every((name) => name.startsWith('type ')));
    return { specifier: match[4], typeOnly };
  });
}

function violationsIn(root: string, rule: (file: string, found: Import) => string | undefined): string[] {
  return sourceFiles(root).flatMap((file) =>
    importsOf(file)
      .map((found) => rule(path.relative(REPO_ROOT, file), found))
      .filter((violation): violation is string => violation !== undefined),
  );
}

function isLibAlias(specifier: string): boolean {
  return LIBS.some((lib) => specifier === `@ganglion/${lib}`);
}

describe('module boundaries', () => {
  for (const lib of LIBS) {
    it(`libs/${lib} imports only what DESIGN.md allows it`, () => {
      const root = path.join(REPO_ROOT, 'libs', lib, 'src');
      const violations = violationsIn(root, (file, { specifier, typeOnly }) => {
        if (specifier.startsWith('.')) {
          const target = path.resolve(REPO_ROOT, path.dirname(file), specifier);
          return target.startsWith(root) ? undefined : `${file}: relative import '${specifier}' leaves libs/${lib}; use @ganglion/<lib>`;
        }
        if (specifier.startsWith('@ganglion/') && !isLibAlias(specifier)) return `${file}: '${specifier}' is not a lib alias (libs never import apps)`;
        if (specifier === `@ganglion/${lib}`) return `${file}: imports its own lib's alias '${specifier}' (an import cycle through src/index.ts); use a relative path`;
        if (FORBIDDEN[lib].some((pattern) => pattern.test(specifier))) return `${file}: libs/${lib} must not import '${specifier}'`;
        if (!typeOnly && (TYPES_ONLY[lib] ?? []).some((pattern) => pattern.test(specifier))) {
          return `${file}: libs/${lib} may import '${specifier}' for types only (import type), never load it`;
        }
        return undefined;
      });
      expect(violations).toEqual([]);
    });
  }

  for (const app of APPS) {
    it(`apps/${app} imports libs by alias and never another app`, () => {
      const root = path.join(REPO_ROOT, 'apps', app, 'src');
      const violations = violationsIn(root, (file, { specifier }) => {
        if (specifier.startsWith('.')) {
          const target = path.resolve(REPO_ROOT, path.dirname(file), specifier);
          return target.startsWith(root) ? undefined : `${file}: relative import '${specifier}' leaves apps/${app}; apps never import each other, share code through a lib`;
        }
        if (specifier.startsWith('@ganglion/') && !isLibAlias(specifier)) return `${file}: '${specifier}' is not a lib alias`;
        return undefined;
      });
      expect(violations).toEqual([]);
    });
  }

  it('finds the imports it checks (the scanner itself works)', () => {
    const imports = importsOf(path.join(REPO_ROOT, 'libs', 'pipeline', 'src', 'trainer.ts')).map((found) => found.specifier);
    expect(imports).toEqual(expect.arrayContaining(['inversify', '@ganglion/data', '@ganglion/models', './clock']));
  });

  it('tells a type import from a value import', () => {
    const file = path.join(REPO_ROOT, 'libs', 'coordinator', 'src', 'launch', 'local-launch.ts');
    expect(importsOf(file)).toContainEqual({ specifier: '@ganglion/models', typeOnly: true });
    const trainer = importsOf(path.join(REPO_ROOT, 'libs', 'pipeline', 'src', 'trainer.ts'));
    expect(trainer.filter((found) => found.specifier === '@ganglion/models').some((found) => !found.typeOnly)).toBe(true);
  });
});
