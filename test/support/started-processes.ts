import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GanglionProcess } from './ganglion-process';

/** What a describe block that starts `ganglion` processes gets from startedProcesses(). */
export interface StartedProcesses {
  /** Push every process a test starts: after each test it is resumed (a test may have SIGSTOPped it) and killed. */
  readonly started: GanglionProcess[];
  /** A scratch folder for the block (made before its tests, removed after them). */
  readonly dir: string;
}

/**
 * Registers, in the calling describe block, the set-up every real-process
 * suite needs: a scratch folder named after `prefix`, and the clean-up of
 * the processes its tests start, whatever a test left them in. Call it
 * before the block's own beforeAll, which may then use `dir`.
 */
export function startedProcesses(prefix: string): StartedProcesses {
  const started: GanglionProcess[] = [];
  let dir: string | undefined;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(() => {
    for (const process of started.splice(0)) {
      process.resume();
      process.kill();
    }
  });
  afterAll(() => {
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    started,
    get dir(): string {
      if (dir === undefined) throw new Error('startedProcesses: the scratch folder exists only from the first beforeAll on.');
      return dir;
    },
  };
}
