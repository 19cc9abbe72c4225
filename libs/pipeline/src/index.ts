export { Clock, SystemClock } from './clock';
export { GradientSynchronizer, LocalGradientSynchronizer } from './gradient-synchronizer';
export type { PhaseKey, SynchronizedGradients } from './gradient-synchronizer';
export { trainInProcess } from './in-process-training';
export type { InProcessTrainingOptions, InProcessTrainingResult } from './in-process-training';
export { createLogger, Logger } from './logger';
export type { LoggerOptions } from './logger';
export { JsonlMetricsSink, MetricsSink } from './metrics-sink';
export type { StepMetrics } from './metrics-sink';
export {
  definePipeline,
  isPipelineDefinition,
  PipelineSettings,
  PipelineValidationError,
  withOverrides,
} from './pipeline-definition';
export type { ComponentSpec, DistributedSettings, OptimizerSettings, PipelineDefinition, PipelineSpec } from './pipeline-definition';
export { loadPipelineFile } from './pipeline-file';
export type { LoadedPipeline } from './pipeline-file';
export { pipelineModule } from './pipeline-module';
export { ProcessGroup, SingleProcessGroup } from './process-group';
export { runModule } from './run-context';
export type { RunContext } from './run-context';
export { RunPaths, runPathsFor } from './run-paths';
export { PngSampleWriter, SampleWriter } from './sample-writer';
export { OpenStepGate, StepGate } from './step-gate';
export { Trainer, TrainingImages } from './trainer';
export type { TrainingSummary } from './trainer';
