import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isPipelineDefinition, type PipelineDefinition } from './pipeline-definition';

/** A pipeline as loaded from its TypeScript file. */
export interface LoadedPipeline {
  /** Absolute path of the file. */
  readonly file: string;
  /** sha256 of the file's bytes: workers check it against the coordinator's. */
  readonly hash: string;
  readonly definition: PipelineDefinition;
}

/**
 * Loads a pipeline file: a TypeScript module whose default export is
 * `definePipeline({...})`. The process must be able to require TypeScript
 * (the `ganglion` command registers tsx; Jest transforms it).
 */
export function loadPipelineFile(file: string): LoadedPipeline {
  const absolute = path.resolve(file);
  if (!fs.existsSync(absolute)) {
    throw new Error(`Pipeline file ${absolute} does not exist. Pass the path of a .ts file whose default export is definePipeline({...}), e.g. pipelines/fashion-vae.ts.`);
  }
  const hash = pipelineFileHash(absolute);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(absolute) as { default?: unknown };
  if (!isPipelineDefinition(loaded.default)) {
    throw new Error(
      `Pipeline file ${absolute} has no pipeline as its default export. End it with ` +
        '`export default definePipeline({ name, model, dataset, batchSize, steps })`.',
    );
  }
  return { file: absolute, hash, definition: loaded.default };
}

/** sha256 (hex) of a pipeline file's bytes, as LoadedPipeline.hash and HELLO carry it. */
export function pipelineFileHash(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
