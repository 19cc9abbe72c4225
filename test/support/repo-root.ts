import * as path from 'node:path';

/** Absolute path of the repository root, for tests that start real processes. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
