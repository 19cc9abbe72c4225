import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The repository's `data/` folder, found by walking up from this file's
 * folder. Works from the TypeScript sources (tsx, jest) and from a build
 * output inside the repository alike.
 */
export function bundledDataDir(start: string = __dirname): string {
  let folder = start;
  for (;;) {
    if (existsSync(join(folder, 'data', 'fashion-mnist')) && existsSync(join(folder, 'nx.json'))) {
      return join(folder, 'data');
    }
    const parent = dirname(folder);
    if (parent === folder) {
      throw new Error(
        `Cannot find the bundled data: no data/fashion-mnist folder beside an nx.json above ${start}. ` +
          "Run from a Ganglion checkout, or set the dataset's source to a folder or to 'download'.",
      );
    }
    folder = parent;
  }
}
