import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isPipelineDefinition, type PipelineDefinition } from './pipeline-definition';
import { applySetOverrides, pipelineHashWith, type SetOverride } from './set-overrides';

/** A pipeline as loaded from its TypeScript file. */
export interface LoadedPipeline {
  /** Absolute path of the file. */
  readonly file: string;
  /**
   * What workers check against the coordinator's: the sha256 of the file's
   * bytes, combined with the training-relevant `--set` overrides when
   * there are any (pipelineHashWith).
   */
  readonly hash: string;
  /** sha256 of the file's bytes alone. */
  readonly fileHash: string;
  /** The `--set` overrides applied to the file's definition, in order. */
  readonly sets: readonly SetOverride[];
  /** The file's definition with the overrides applied and validated. */
  readonly definition: PipelineDefinition;
}

/**
 * Loads a pipeline file: a TypeScript module whose default export is
 * `definePipeline({...})`, then applies `--set` overrides. The process must
 * be able to require TypeScript (the `ganglion` command registers tsx;
 * Jest transforms it).
 */
export function loadPipelineFile(file: string, sets: readonly SetOverride[] = []): LoadedPipeline {
  const absolute = path.resolve(file);
  if (!fs.existsSync(absolute)) {
    throw new Error(`Pipeline file ${absolute} does not exist. Pass the path of a .ts file whose default export is definePipeline({...}), e.g. pipelines/fashion-vae.ts.`);
  }
  const fileHash = pipelineFileHash(absolute);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(absolute) as { default?: unknown };
  if (!isPipelineDefinition(loaded.default)) {
    throw new Error(
      `Pipeline file ${absolute} has no pipeline as its default export. End it with ` +
        '`export default definePipeline({ name, model, dataset, batchSize, steps })`.',
    );
  }
  return { file: absolute, hash: pipelineHashWith(fileHash, sets), fileHash, sets, definition: applySetOverrides(loaded.default, sets) };
}

/** sha256 (hex) of a pipeline file's bytes, as LoadedPipeline.hash and HELLO carry it. */
export function pipelineFileHash(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
