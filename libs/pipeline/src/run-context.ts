import { ContainerModule } from 'inversify';
import type { ImageSet } from '@ganglion/data';
import { GenerativeModel } from '@ganglion/models';
import { Logger } from './logger';
import { JsonlMetricsSink, MetricsSink } from './metrics-sink';
import { PipelineSettings, type PipelineDefinition } from './pipeline-definition';
import { RunPaths } from './run-paths';
import { PngSampleWriter, SampleWriter } from './sample-writer';
import { TrainingImages } from './trainer';

/** What one run binds on top of the libs' modules: its settings, folders, logger, data and model. */
export interface RunContext {
  readonly definition: PipelineDefinition;
  readonly paths: RunPaths;
  readonly logger: Logger;
  readonly images: ImageSet;
}

/** A ContainerModule binding the values of one run and the components made from them. */
export function runModule(context: RunContext): ContainerModule {
  const { definition, paths, logger, images } = context;
  return new ContainerModule(({ bind }) => {
    bind(PipelineSettings).toConstantValue(definition.settings);
    bind(RunPaths).toConstantValue(paths);
    bind(Logger).toConstantValue(logger);
    bind(TrainingImages).toConstantValue(images);
    bind(GenerativeModel)
      .toDynamicValue(() => new definition.spec.model.type(definition.settings.modelOptions) as GenerativeModel)
      .inSingletonScope();
    bind(MetricsSink)
      .toDynamicValue(() => new JsonlMetricsSink(paths.metrics))
      .inSingletonScope();
    bind(SampleWriter)
      .toDynamicValue(() => new PngSampleWriter(paths.samples))
      .inSingletonScope();
  });
}
