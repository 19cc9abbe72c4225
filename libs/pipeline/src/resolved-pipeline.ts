import * as path from 'node:path';
import { writeFileAtomic } from '@ganglion/data';
import type { Logger } from './logger';
import type { LoadedPipeline } from './pipeline-file';

/** Name of the file in a run folder that records the pipeline as it ran. */
export const RESOLVED_PIPELINE_JSON = 'pipeline.json';

/**
 * The pipeline as a run trains it, as plain data: the file, its hash, the
 * `--set` overrides, the classes by name and every resolved setting. Enough
 * to reproduce the run: the same file with the same `--set` flags.
 */
export function resolvedPipeline(loaded: LoadedPipeline, settings: object = loaded.definition.settings): Record<string, unknown> {
  const { spec } = loaded.definition;
  return {
    file: loaded.file,
    fileSha256: loaded.fileHash,
    pipelineHash: loaded.hash,
    sets: loaded.sets.map((override) => override.text),
    model: spec.model.type.name,
    dataset: spec.dataset.type.name,
    overrides: spec.overrides !== undefined,
    settings,
  };
}

/** Logs the resolved pipeline and writes it to `<run folder>/pipeline.json`. */
export function recordResolvedPipeline(runFolder: string, loaded: LoadedPipeline, logger: Logger, settings?: object): void {
  const resolved = resolvedPipeline(loaded, settings);
  const sets = loaded.sets.length === 0 ? '' : ` with ${loaded.sets.map((override) => `--set ${override.text}`).join(' ')}`;
  logger.info({ resolved }, `pipeline ${loaded.definition.settings.name} resolved${sets}: ${path.join(runFolder, RESOLVED_PIPELINE_JSON)}`);
  writeFileAtomic(path.join(runFolder, RESOLVED_PIPELINE_JSON), Buffer.from(`${JSON.stringify(resolved, null, 2)}\n`));
}
