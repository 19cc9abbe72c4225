import * as path from 'node:path';

/** The folders and files of one run: runs/<name>/<timestamp>/... */
export interface RunPaths {
  readonly root: string;
  readonly metrics: string;
  readonly samples: string;
  readonly checkpoints: string;
  readonly log: string;
}

export const RunPaths = Symbol('RunPaths');

/** Lays out runs/<name>/<timestamp>/ under `outputDir`, with a filesystem-safe timestamp. */
export function runPathsFor(outputDir: string, pipelineName: string, startedAt: Date): RunPaths {
  const stamp = startedAt.toISOString().replace(/\.\d+Z$/, '').replace(/:/g, '-');
  return runPathsIn(path.resolve(outputDir, pipelineName, stamp));
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
