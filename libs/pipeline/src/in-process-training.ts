import { Container } from 'inversify';
import { dataModule, Dataset, type ImageSet } from '@ganglion/data';
import { BackendSelector, GenerativeModel, modelsModule, type RequestedBackend } from '@ganglion/models';
import { createLogger, type Logger } from './logger';
import { MetricsSink } from './metrics-sink';
import { withOverrides, type PipelineSpec } from './pipeline-definition';
import { loadPipelineFile } from './pipeline-file';
import { pipelineModule } from './pipeline-module';
import { runModule } from './run-context';
import { runPathsFor, type RunPaths } from './run-paths';
import { Trainer, TrainingImages, type TrainingSummary } from './trainer';

export interface InProcessTrainingOptions {
  /** Path of the pipeline file. */
  readonly pipelineFile: string;
  /** Settings that replace the pipeline's own (command-line flags). */
  readonly overrides?: Partial<Pick<PipelineSpec, 'steps' | 'batchSize' | 'seed' | 'sampleEvery' | 'logEvery'>>;
  /** Folder that holds runs/<name>/<timestamp>/. */
  readonly outputDir: string;
  /** Compute backend, or 'auto' to pick the best available. */
  readonly backend?: RequestedBackend;
  readonly logFormat?: 'pretty' | 'json';
}

export interface InProcessTrainingResult {
  readonly paths: RunPaths;
  readonly summary: TrainingSummary;
}

/**
 * `ganglion train`: loads a pipeline and trains it in this process. This
 * is a composition root: it builds the container from each lib's module,
 * the run's own values and the pipeline's overrides (loaded last, so they
 * win), then asks it for the backend, the images and the Trainer.
 */
export async function trainInProcess(options: InProcessTrainingOptions): Promise<InProcessTrainingResult> {
  const loaded = loadPipelineFile(options.pipelineFile);
  const definition = withOverrides(loaded.definition, options.overrides ?? {});
  const paths = runPathsFor(options.outputDir, definition.settings.name, new Date());
  const logger = createLogger({ format: options.logFormat, file: paths.log });
  logger.info({ pipeline: loaded.file, hash: loaded.hash.slice(0, 12), run: paths.root }, `pipeline ${definition.settings.name}`);

  const container = new Container();
  container.loadSync(dataModule, modelsModule, pipelineModule, runModule({ definition, paths, logger }));
  if (definition.spec.overrides !== undefined) container.loadSync(definition.spec.overrides);

  const backend = await container.get<BackendSelector>(BackendSelector).select(options.backend ?? 'auto');
  logger.info({ backend: backend.name, reason: backend.reason }, `backend ${backend.name}: ${backend.reason}`);
  const images = await loadImages(container.get<Dataset>(Dataset), logger);
  container.bind(TrainingImages).toConstantValue(images);

  const model = container.get<GenerativeModel>(GenerativeModel);
  const metrics = container.get<MetricsSink>(MetricsSink);
  try {
    const { batchSize, steps } = definition.settings;
    logger.info(
      { model: model.name, parameters: model.parameterCount(), batchSize, steps },
      `training ${model.name} (${model.parameterCount().toLocaleString('en-US')} parameters) for ${steps} steps at batch ${batchSize}`,
    );
    const summary = await container.get(Trainer).run();
    logger.info({ samples: paths.samples, metrics: paths.metrics }, `done: sample grids in ${paths.samples}`);
    return { paths, summary };
  } finally {
    metrics.close();
    model.dispose();
  }
}

async function loadImages(dataset: Dataset, logger: Logger): Promise<ImageSet> {
  const images = await dataset.load();
  logger.info(
    { dataset: images.name, count: images.count, shape: [images.height, images.width, images.channels] },
    `dataset ${images.name}: ${images.count} images of ${images.height}x${images.width}x${images.channels}`,
  );
  return images;
}
