import { Container } from 'inversify';
import type { ImageSet } from '@ganglion/data';
import { GenerativeModel, selectBackend, type BackendName } from '@ganglion/models';
import { createLogger, type Logger } from './logger';
import { MetricsSink } from './metrics-sink';
import { withOverrides, type PipelineSpec } from './pipeline-definition';
import { loadPipelineFile } from './pipeline-file';
import { pipelineModule } from './pipeline-module';
import { runModule } from './run-context';
import { runPathsFor, type RunPaths } from './run-paths';
import { Trainer, type TrainingSummary } from './trainer';

export interface InProcessTrainingOptions {
  /** Path of the pipeline file. */
  readonly pipelineFile: string;
  /** Settings that replace the pipeline's own (command-line flags). */
  readonly overrides?: Partial<Pick<PipelineSpec, 'steps' | 'batchSize' | 'seed' | 'sampleEvery' | 'logEvery'>>;
  /** Folder that holds runs/<name>/<timestamp>/. */
  readonly outputDir: string;
  /** Compute backend, or 'auto' to pick the best available. */
  readonly backend?: BackendName | 'auto';
  readonly logFormat?: 'pretty' | 'json';
}

export interface InProcessTrainingResult {
  readonly paths: RunPaths;
  readonly summary: TrainingSummary;
}

/**
 * `ganglion train`: loads a pipeline and trains it in this process. This
 * is a composition root: it builds the container from the libs' modules,
 * the run's own values and the pipeline's overrides, then asks for the
 * Trainer.
 */
export async function trainInProcess(options: InProcessTrainingOptions): Promise<InProcessTrainingResult> {
  const loaded = loadPipelineFile(options.pipelineFile);
  const definition = withOverrides(loaded.definition, options.overrides ?? {});
  const paths = runPathsFor(options.outputDir, definition.settings.name, new Date());
  const logger = createLogger({ format: options.logFormat, file: paths.log });
  logger.info({ pipeline: loaded.file, hash: loaded.hash.slice(0, 12), run: paths.root }, `pipeline ${definition.settings.name}`);

  const backend = await selectBackend({ requested: options.backend ?? 'auto' });
  logger.info({ backend: backend.name, reason: backend.reason }, `backend ${backend.name}: ${backend.reason}`);

  const images = await loadImages(definition.spec.dataset, definition.settings.datasetOptions, logger);
  const container = new Container();
  container.loadSync(pipelineModule, runModule({ definition, paths, logger, images }));
  if (definition.spec.overrides !== undefined) container.loadSync(definition.spec.overrides);

  const model = container.get<GenerativeModel>(GenerativeModel);
  const metrics = container.get<MetricsSink>(MetricsSink);
  try {
    logger.info(
      { model: model.name, parameters: model.parameterCount(), batchSize: definition.settings.batchSize, steps: definition.settings.steps },
      `training ${model.name} (${model.parameterCount().toLocaleString('en-US')} parameters) for ${definition.settings.steps} steps at batch ${definition.settings.batchSize}`,
    );
    const summary = await container.get(Trainer).run();
    logger.info({ samples: paths.samples, metrics: paths.metrics }, `done: sample grids in ${paths.samples}`);
    return { paths, summary };
  } finally {
    metrics.close();
    model.dispose();
  }
}

async function loadImages(
  dataset: PipelineSpec['dataset'],
  options: Record<string, unknown>,
  logger: Logger,
): Promise<ImageSet> {
  const source = new dataset.type(options) as { load(): ImageSet | Promise<ImageSet> };
  const images = await source.load();
  logger.info(
    { dataset: images.name, count: images.count, shape: [images.height, images.width, images.channels] },
    `dataset ${images.name}: ${images.count} images of ${images.height}x${images.width}x${images.channels}`,
  );
  return images;
}
