import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The bundled `data/` folder, found by walking up from this file's folder:
 * the repository's (beside nx.json: the TypeScript sources under tsx or
 * jest, a build inside the repository) or the installed @ganglion/data
 * package's own.
 */
export function bundledDataDir(start: string = __dirname): string {
  let folder = start;
  for (;;) {
    if (existsSync(join(folder, 'data', 'fashion-mnist')) && (existsSync(join(folder, 'nx.json')) || isDataPackage(folder))) {
      return join(folder, 'data');
    }
    const parent = dirname(folder);
    if (parent === folder) {
      throw new Error(
        `Cannot find the bundled data: no data/fashion-mnist folder beside an nx.json above ${start}. ` +
          "Reinstall @ganglion/data (its data/ folder holds the subset), or set the dataset's source to a folder or to 'download'.",
      );
    }
    folder = parent;
  }
}

function isDataPackage(folder: string): boolean {
  const manifest = join(folder, 'package.json');
  return existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === '@ganglion/data';
}
