export { CorruptCheckpointError, NoCheckpointError } from './checkpoints/checkpoint-errors';
export { CHECKPOINT_MANIFEST, checkpointFolderName } from './checkpoints/checkpoint-manifest';
export type { CheckpointManifest } from './checkpoints/checkpoint-manifest';
export { restoreCheckpoint, verifyCheckpoint, verifyCheckpointFiles } from './checkpoints/checkpoint-reader';
export type { CheckpointFileSet, VerifiedCheckpoint } from './checkpoints/checkpoint-reader';
export {
  CheckpointStore,
  checkpointFolders,
  FileCheckpointStore,
  findResumeCheckpoint,
  latestValidCheckpoint,
  pruneCheckpoints,
} from './checkpoints/checkpoint-store';
export type { CheckpointRequest, FileCheckpointStoreOptions } from './checkpoints/checkpoint-store';
export { checkpointFiles, writeCheckpoint, writeCheckpointFiles } from './checkpoints/checkpoint-writer';
export { OPTIMIZER_BIN, OPTIMIZER_JSON, TRAINER_STATE_JSON } from './checkpoints/checkpoint-manifest';
export { layersModelFiles, layersModelFolderLoader, MODEL_JSON, WEIGHTS_BIN } from './checkpoints/layers-model-files';
export type { LayersModelFiles } from './checkpoints/layers-model-files';
export type { TrainerState } from './checkpoints/trainer-state';
export { Clock, SystemClock } from './clock';
export { GradientSynchronizer, LocalGradientSynchronizer } from './gradient-synchronizer';
export type { PhaseKey, SynchronizedGradients } from './gradient-synchronizer';
export { trainInProcess } from './in-process-training';
export { LAUNCHER_PIPE_ENV, watchLauncher } from './watch-launcher';
export type { InProcessTrainingOptions, InProcessTrainingResult } from './in-process-training';
export { createLogger, Logger } from './logger';
export type { LoggerOptions } from './logger';
export { JsonlMetricsSink, MetricsSink } from './metrics-sink';
export type { StepMetrics } from './metrics-sink';
export { ProgressReporter } from './progress/progress-reporter';
export type { ProgressMode } from './progress/progress-reporter';
export { formatLosses } from './progress/progress-reporter';
export type { LossFormat } from './progress/progress-reporter';
export { LineProgressReporter } from './progress/line-progress-reporter';
export type { LineProgressReporterOptions, ProgressDetail } from './progress/line-progress-reporter';
export { BarProgressReporter } from './progress/bar-progress-reporter';
export type { BarProgressReporterOptions } from './progress/bar-progress-reporter';
export { createProgressReporter, parseProgressMode, resolveProgressMode } from './progress/create-progress-reporter';
export type { CreateProgressReporterOptions } from './progress/create-progress-reporter';
export {
  definePipeline,
  isPipelineDefinition,
  PipelineSettings,
  PipelineValidationError,
  withOverrides,
} from './pipeline-definition';
export type { ComponentSpec, DistributedSettings, NonFiniteGradientPolicy, OptimizerSettings, PipelineDefinition, PipelineSpec } from './pipeline-definition';
export { loadPipelineFile, pipelineFileHash } from './pipeline-file';
export { applySetOverrides, parseSetOverride, pipelineHashWith } from './set-overrides';
export type { SetOverride } from './set-overrides';
export { recordResolvedPipeline, resolvedPipeline, RESOLVED_PIPELINE_JSON } from './resolved-pipeline';
export type { LoadedPipeline } from './pipeline-file';
export { pipelineModule } from './pipeline-module';
export { ProcessGroup, SingleProcessGroup } from './process-group';
export { runModule } from './run-context';
export { bindPipelineComponents } from './pipeline-components';
export { createTrainingContainer, loadRunModules, selectTrainingBackend } from './training-container';
export type { RunContext } from './run-context';
export { createRunFolder, RunPaths, runPathsIn } from './run-paths';
export { PngSampleWriter, SampleWriter } from './sample-writer';
export { OpenStepGate, StepGate } from './step-gate';
export { meanLosses, median, roundToTenth } from './step-statistics';
export { checkResumable, dropMetricsFrom } from './checkpoints/resume-checks';
export { Trainer, TrainingImages } from './trainer';
export type { TrainingSummary } from './trainer';
export { TrainingListener } from './training-listener';
export type { TrainingRun } from './training-listener';


// The worker side of a data-parallel job.
export { AllreduceGradientSynchronizer } from './worker/allreduce-gradient-synchronizer';
export { CoordinatedStepGate } from './worker/coordinated-step-gate';
export { DistributedProcessGroup } from './worker/distributed-process-group';
export { runDistributedWorker } from './worker/distributed-worker';
export type { DistributedWorkerOptions, DistributedWorkerResult } from './worker/distributed-worker';
export { distributedWorkerModule } from './worker/distributed-worker-module';
export type { DistributedWorkerContext } from './worker/distributed-worker-module';
export { NullMetricsSink } from './worker/null-metrics-sink';
export { RemoteSampleWriter, sampleGridName } from './worker/remote-sample-writer';
export type { CoordinatorChannel } from './worker/coordinator-channel';
export { PipelineMismatchError, WorkerConnectError, WorkerHandshake } from './worker/worker-handshake';
export type { WorkerHandshakeOptions, WorkerIdentity } from './worker/worker-handshake';
export { CoordinatorRefusedError, WorkerSession } from './worker/worker-session';
export type { CoordinatorCommand } from './worker/worker-session';

// What the coordinator and the workers send each other (both roles read and write these).
export { Fnv1a64 } from './job-messages/fnv1a64';
export { readModelWeights } from './job-messages/named-weights';
export type { NamedWeights } from './job-messages/named-weights';
export { stepMetricsFromValues, stepMetricsToValues } from './job-messages/step-metrics-values';
export { WEIGHTS_CHECKSUM_ALGORITHM, weightsChecksum } from './job-messages/weights-checksum';
export { readWeightsFile, writeWeightsFile } from './job-messages/weights-file';
export type { WeightsManifest, WeightsManifestEntry } from './job-messages/weights-file';
export { stateFiles, stateMessage } from './job-messages/state-message';
export type { StatePosition } from './job-messages/state-message';

// Using a trained checkpoint: sample grids and the browser export.
export { drawSampleGrid } from './export/draw-sample-grid';
export type { SampleGrid, SampleGridOptions } from './export/draw-sample-grid';
export { exportWebSampler } from './export/export-web-sampler';
export type { WebSamplerExport, WebSamplerInfo, WebSamplerOptions } from './export/export-web-sampler';
export { findCheckpoint } from './export/find-checkpoint';
export { loadCheckpointModel } from './export/load-checkpoint-model';
export type { CheckpointModel, LoadCheckpointModelOptions } from './export/load-checkpoint-model';
export { samplerNetworkOf, UnsupportedExportError } from './export/sampler-network';
export type { SamplerNetwork } from './export/sampler-network';

// Command-line pieces the apps share.
export { buildWorkerCommand } from './worker/worker-command';
export { threadsOption, withThreadsFlag } from './command-line/threads-flag';
export { setOption } from './command-line/set-option';
export { addPipelineOverrideOptions, backendOption, logFormatOption } from './command-line/shared-options';
export { endpointArgument, nonFiniteOption, nonNegativeInt, positiveInt, positiveSeconds, tcpPort } from './command-line/option-parsers';
