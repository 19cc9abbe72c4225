import { ContainerModule } from 'inversify';
import { Clock, SystemClock } from './clock';
import { GradientSynchronizer, LocalGradientSynchronizer } from './gradient-synchronizer';
import { ProcessGroup, SingleProcessGroup } from './process-group';
import { OpenStepGate, StepGate } from './step-gate';
import { Trainer } from './trainer';

/**
 * The pipeline lib's default components for training in one process. A
 * worker of a data-parallel job rebinds GradientSynchronizer,
 * ProcessGroup, StepGate, MetricsSink and SampleWriter; a pipeline file may rebind any of them.
 */
export const pipelineModule = new ContainerModule(({ bind }) => {
  bind(Clock).to(SystemClock).inSingletonScope();
  bind(GradientSynchronizer).to(LocalGradientSynchronizer).inSingletonScope();
  bind(ProcessGroup).to(SingleProcessGroup).inSingletonScope();
  bind(StepGate).to(OpenStepGate).inSingletonScope();
  bind(Trainer).toSelf().inSingletonScope();
});
