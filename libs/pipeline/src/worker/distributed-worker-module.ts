import { ContainerModule } from 'inversify';
import { GradientReducer } from '@ganglion/comm';
import { CheckpointStore } from '../checkpoints/checkpoint-store';
import { GradientSynchronizer } from '../gradient-synchronizer';
import { Logger } from '../logger';
import { MetricsSink } from '../metrics-sink';
import { bindPipelineComponents } from '../pipeline-components';
import type { PipelineDefinition } from '../pipeline-definition';
import { ProcessGroup } from '../process-group';
import { SampleWriter } from '../sample-writer';
import { StepGate } from '../step-gate';
import { AllreduceGradientSynchronizer } from './allreduce-gradient-synchronizer';
import { CoordinatedStepGate } from './coordinated-step-gate';
import { StepReporter } from './step-reporter';
import { DistributedProcessGroup } from './distributed-process-group';
import { NullMetricsSink } from './null-metrics-sink';
import { RemoteSampleWriter } from './remote-sample-writer';
import { RemoteCheckpointStore } from './remote-checkpoint-store';
import { StepProgress } from './step-progress';
import { WorkerSession } from './worker-session';

/** What one worker of a data-parallel job binds: its pipeline, logger, session and reducer. */
export interface DistributedWorkerContext {
  readonly definition: PipelineDefinition;
  readonly logger: Logger;
  readonly session: WorkerSession;
  readonly reducer: GradientReducer;
}

/**
 * Loaded after dataModule, modelsModule and pipelineModule: the run's
 * settings, dataset and model (as runModule binds them), and the five
 * seams a worker rebinds: GradientSynchronizer (allreduce), ProcessGroup
 * (the WELCOME's rank), StepGate (STEP / STEP_DONE with the step's metrics and checksum),
 * MetricsSink (none: the coordinator writes metrics.jsonl) and
 * SampleWriter (rank 0 sends SAMPLES); plus CheckpointStore (rank 0
 * sends STATE, the coordinator writes the checkpoint), the
 * StepProgress the gate and synchronizer keep and the StepReporter that
 * keeps and sends the step reports.
 */
export function distributedWorkerModule(context: DistributedWorkerContext): ContainerModule {
  const { definition, logger, session, reducer } = context;
  return new ContainerModule(({ bind, rebindSync }) => {
    bindPipelineComponents(bind, definition);
    bind(Logger).toConstantValue(logger);
    bind(WorkerSession).toConstantValue(session);
    bind(DistributedProcessGroup).toConstantValue(session);
    bind(GradientReducer).toConstantValue(reducer);
    rebindSync(ProcessGroup).toConstantValue(session);
    rebindSync(GradientSynchronizer).to(AllreduceGradientSynchronizer).inSingletonScope();
    rebindSync(StepGate).to(CoordinatedStepGate).inSingletonScope();
    bind(MetricsSink).to(NullMetricsSink).inSingletonScope();
    bind(SampleWriter).to(RemoteSampleWriter).inSingletonScope();
    bind(StepProgress).toConstantValue(new StepProgress());
    bind(StepReporter).toSelf().inSingletonScope();
    bind(RemoteCheckpointStore).toSelf().inSingletonScope();
    bind(CheckpointStore).toService(RemoteCheckpointStore);
  });
}
