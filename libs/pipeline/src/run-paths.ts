import * as path from 'node:path';
import { DurableFiles } from '@ganglion/storage';

/** The folders and files of one run: runs/<name>/<timestamp>/... */
export interface RunPaths {
  readonly root: string;
  readonly metrics: string;
  readonly samples: string;
  readonly checkpoints: string;
  readonly log: string;
}

export const RunPaths = Symbol('RunPaths');

/**
 * Creates a new run folder, runs/<name>/<timestamp>/ under `outputDir`
 * (a filesystem-safe timestamp), and returns its layout. The folder is
 * made by one mkdir that fails when it exists; a run started in the same
 * second into the same `outputDir` takes `<timestamp>-2`, `-3`, ..., so
 * two runs never share a folder. A read-only or non-writable `outputDir`
 * is reported as such (StorageError naming it).
 */
export function createRunFolder(outputDir: string, pipelineName: string, startedAt: Date, files: DurableFiles = new DurableFiles()): RunPaths {
  const stamp = startedAt.toISOString().replace(/\.\d+Z$/, '').replace(/:/g, '-');
  files.ensureWritableFolder(outputDir);
  return runPathsIn(files.createUniqueFolder(path.resolve(outputDir, pipelineName, stamp)));
}

/** The layout of an existing run folder (a resumed run writes on in it). */
export function runPathsIn(runFolder: string): RunPaths {
  const root = path.resolve(runFolder);
  return {
    root,
    metrics: path.join(root, 'metrics.jsonl'),
    samples: path.join(root, 'samples'),
    checkpoints: path.join(root, 'checkpoints'),
    log: path.join(root, 'log.jsonl'),
  };
}
