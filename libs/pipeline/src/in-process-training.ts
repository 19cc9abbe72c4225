import * as fs from 'node:fs';
import * as path from 'node:path';
import { ContainerModule } from 'inversify';
import { Dataset, writeFileAtomic, type ImageSet } from '@ganglion/data';
import { GenerativeModel, type RequestedBackend } from '@ganglion/models';
import { CheckpointStore, FileCheckpointStore, findResumeCheckpoint } from './checkpoints/checkpoint-store';
import { restoreCheckpoint } from './checkpoints/checkpoint-reader';
import { checkResumable, dropMetricsFrom } from './checkpoints/resume-checks';
import { readModelWeights } from './job-messages/named-weights';
import { writeWeightsFile } from './job-messages/weights-file';
import { createLogger, type Logger } from './logger';
import { MetricsSink } from './metrics-sink';
import { withOverrides, type PipelineSettings, type PipelineSpec } from './pipeline-definition';
import { loadPipelineFile } from './pipeline-file';
import { recordResolvedPipeline } from './resolved-pipeline';
import type { SetOverride } from './set-overrides';
import { runModule } from './run-context';
import { runPathsFor, runPathsIn, type RunPaths } from './run-paths';
import { createTrainingContainer, loadRunModules, selectTrainingBackend } from './training-container';
import { Trainer, TrainingImages, type TrainingSummary } from './trainer';
import { BarProgressReporter } from './progress/bar-progress-reporter';
import { resolveProgressMode } from './progress/create-progress-reporter';
import { ProgressReporter, type ProgressMode } from './progress/progress-reporter';

export interface InProcessTrainingOptions {
  /** Path of the pipeline file. */
  readonly pipelineFile: string;
  /** Settings that replace the pipeline's own (command-line flags). */
  readonly overrides?: Partial<
    Pick<PipelineSpec, 'steps' | 'batchSize' | 'seed' | 'sampleEvery' | 'logEvery' | 'checkpointEvery' | 'keepCheckpoints' | 'nonFiniteGradients'>
  >;
  /** `--set key.path=value` overrides of any field, applied before `overrides`. */
  readonly sets?: readonly SetOverride[];
  /**
   * Continue from a checkpoint: `true` for the newest run of this pipeline
   * under `outputDir`, or a run folder, or one checkpoint folder. Training
   * goes on in that run's folder up to `steps`.
   */
  readonly resume?: boolean | string;
  /** Folder that holds runs/<name>/<timestamp>/. */
  readonly outputDir: string;
  /** Compute backend, or 'auto' to pick the best available. */
  readonly backend?: RequestedBackend;
  readonly logFormat?: 'pretty' | 'json';
  /**
   * `bar`: a live progress bar on stderr; `lines`: a log line every
   * `logEvery` steps; `auto` (the default): the bar on a terminal with
   * pretty logs, lines otherwise.
   */
  readonly progress?: ProgressMode;
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
  const loaded = loadPipelineFile(options.pipelineFile, options.sets ?? []);
  const definition = withOverrides(loaded.definition, options.overrides ?? {});
  const { name, seed, batchSize, keepCheckpoints } = definition.settings;
  const early = options.resume ? createLogger({ format: options.logFormat }) : undefined;
  const resumed = options.resume
    ? findResumeCheckpoint(options.resume === true ? undefined : options.resume, options.outputDir, name, early as Logger)
    : undefined;
  const paths = resumed?.runFolder !== undefined ? runPathsIn(resumed.runFolder) : runPathsFor(options.outputDir, name, new Date());
  const logger = createLogger({ format: options.logFormat, file: paths.log });
  logger.info({ pipeline: loaded.file, hash: loaded.hash.slice(0, 12), run: paths.root }, `pipeline ${name}`);
  recordResolvedPipeline(paths.root, loaded, logger, definition.settings);
  if (resumed !== undefined) {
    checkResumable(resumed.checkpoint, loaded.hash, definition.settings, logger);
    dropMetricsFrom(paths.metrics, resumed.checkpoint.state.step);
  }

  const container = createTrainingContainer();
  const showBar = resolveProgressMode(options.progress ?? 'auto', process.stdout.isTTY === true && options.logFormat !== 'json') === 'bar';
  const localRun = new ContainerModule(({ bind, rebindSync }) => {
    bind(CheckpointStore).toConstantValue(
      new FileCheckpointStore({
        folder: paths.checkpoints,
        keep: keepCheckpoints,
        pipeline: { name, file: loaded.file, hash: loaded.hash },
        seed,
        globalBatchSize: batchSize,
        logger,
      }),
    );
    if (showBar) rebindSync(ProgressReporter).toConstantValue(new BarProgressReporter());
  });
  loadRunModules(container, definition, runModule({ definition, paths, logger }), localRun);
  await selectTrainingBackend(container, options.backend, logger);
  const images = await loadImages(container.get<Dataset>(Dataset), logger);
  container.bind(TrainingImages).toConstantValue(images);

  const model = container.get<GenerativeModel>(GenerativeModel);
  const metrics = container.get<MetricsSink>(MetricsSink);
  try {
    const { steps } = definition.settings;
    let startStep = 0;
    if (resumed !== undefined) {
      await restoreCheckpoint(model, resumed.checkpoint);
      startStep = resumed.checkpoint.state.step;
      logger.info(
        { checkpoint: resumed.checkpoint.folder, step: startStep, steps },
        `resuming from ${resumed.checkpoint.folder} at step ${startStep} of ${steps}`,
      );
    }
    logger.info(
      { model: model.name, parameters: model.parameterCount(), batchSize, steps },
      `training ${model.name} (${model.parameterCount().toLocaleString('en-US')} parameters) for ${steps} steps at batch ${batchSize}`,
    );
    const summary = await container.get(Trainer).run(startStep);
    writeWeightsFile(path.join(paths.root, 'final-weights.json'), await readModelWeights(model), startStep + summary.steps);
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
