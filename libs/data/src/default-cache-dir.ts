import { homedir } from 'node:os';
import { join } from 'node:path';

/** Environment variable that moves the download cache. */
export const DATA_DIR_ENV = 'GANGLION_DATA_DIR';

/** Where downloaded datasets are kept: `$GANGLION_DATA_DIR`, else `~/.ganglion/datasets`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[DATA_DIR_ENV];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.ganglion', 'datasets');
}
