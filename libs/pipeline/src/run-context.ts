import { ContainerModule } from 'inversify';
import { Logger } from './logger';
import { JsonlMetricsSink, MetricsSink } from './metrics-sink';
import { bindPipelineComponents } from './pipeline-components';
import type { PipelineDefinition } from './pipeline-definition';
import { RunPaths } from './run-paths';
import { PngSampleWriter, SampleWriter } from './sample-writer';

/** What one run binds on top of the libs' modules: its settings, folders and logger. */
export interface RunContext {
  readonly definition: PipelineDefinition;
  readonly paths: RunPaths;
  readonly logger: Logger;
}

/**
 * A ContainerModule binding the values of one run and the components made
 * from them: the pipeline's dataset and model, the metrics file, the sample
 * writer. The images themselves (TrainingImages) are bound once loaded.
 */
export function runModule(context: RunContext): ContainerModule {
  const { definition, paths, logger } = context;
  return new ContainerModule(({ bind }) => {
    bindPipelineComponents(bind, definition);
    bind(RunPaths).toConstantValue(paths);
    bind(Logger).toConstantValue(logger);
    bind(MetricsSink)
      .toDynamicValue(() => new JsonlMetricsSink(paths.metrics))
      .inSingletonScope();
    bind(SampleWriter)
      .toDynamicValue(() => new PngSampleWriter(paths.samples))
      .inSingletonScope();
  });
}
