import { ContainerModule } from 'inversify';
import { Clock, SystemClock } from './clock';
import { GradientSynchronizer, LocalGradientSynchronizer } from './gradient-synchronizer';
import { bindTrainingListeners } from './listeners/bind-training-listeners';
import { Logger } from './logger';
import { PipelineSettings } from './pipeline-definition';
import { LineProgressReporter } from './progress/line-progress-reporter';
import { ProgressReporter } from './progress/progress-reporter';
import { ProcessGroup, SingleProcessGroup } from './process-group';
import { OpenStepGate, StepGate } from './step-gate';
import { Trainer } from './trainer';

/**
 * The pipeline lib's default components for training in one process. A
 * worker of a data-parallel job rebinds GradientSynchronizer,
 * ProcessGroup, StepGate, MetricsSink and SampleWriter; a pipeline file may rebind any of them.
 * Progress is always reported: a log line every `logEvery` steps unless a
 * composition root rebinds ProgressReporter (`train` on a terminal: a bar).
 * The Trainer's default TrainingListeners adapt those seams; a run or a
 * pipeline adds its own with `bind(TrainingListener)` (called after them).
 */
export const pipelineModule = new ContainerModule(({ bind }) => {
  bind(Clock).to(SystemClock).inSingletonScope();
  bind(GradientSynchronizer).to(LocalGradientSynchronizer).inSingletonScope();
  bind(ProcessGroup).to(SingleProcessGroup).inSingletonScope();
  bind(StepGate).to(OpenStepGate).inSingletonScope();
  bind(ProgressReporter)
    .toDynamicValue((context) => {
      const logger = context.get<Logger>(Logger);
      return new LineProgressReporter({ logEvery: context.get<PipelineSettings>(PipelineSettings).logEvery, write: (fields, text) => logger.info(fields, text) });
    })
    .inSingletonScope();
  bindTrainingListeners(bind);
  bind(Trainer).toSelf().inSingletonScope();
});
