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
export { LineProgressReporter } from './progress/line-progress-reporter';
export type { LineProgressReporterOptions } from './progress/line-progress-reporter';
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
export type { LoadedPipeline } from './pipeline-file';
export { pipelineModule } from './pipeline-module';
export { ProcessGroup, SingleProcessGroup } from './process-group';
export { runModule } from './run-context';
export type { RunContext } from './run-context';
export { createRunFolder, RunPaths, runPathsIn } from './run-paths';
export { PngSampleWriter, SampleWriter } from './sample-writer';
export { OpenStepGate, StepGate } from './step-gate';
export { Trainer, TrainingImages } from './trainer';
export type { TrainingSummary } from './trainer';

// The live training dashboard (`--dashboard`).
export type { CoordinatorEvents, RankMetrics, WorkerAnnouncement } from './dashboard/coordinator-events';
export { DashboardState, thinInPlace } from './dashboard/dashboard-state';
export type { DashboardPoint, DashboardRunInfo, DashboardRunStatus, DashboardSample, DashboardSnapshot, DashboardStateOptions, DashboardWorker } from './dashboard/dashboard-state';
export { DEFAULT_DASHBOARD_PORT, DashboardServer, isLoopbackHost } from './dashboard/dashboard-server';
export type { DashboardServerOptions } from './dashboard/dashboard-server';
export { openDashboard } from './dashboard/open-dashboard';
export type { DashboardListenOptions } from './dashboard/open-dashboard';
export { formatSseEvent, SseBroadcaster } from './dashboard/sse-broadcaster';

// Data-parallel training: worker, coordinator, launchers.
export { AllreduceGradientSynchronizer } from './distributed/allreduce-gradient-synchronizer';
export { CoordinatedStepGate } from './distributed/coordinated-step-gate';
export { Coordinator } from './distributed/coordinator';
export type { CoordinatorOptions, CoordinatorResult } from './distributed/coordinator';
export { ChecksumMismatchError, CoordinatorInterruptedError, JoinTimeoutError, WorkerFailedError } from './distributed/coordinator-errors';
export { RunFolderOutputs } from './distributed/coordinator-outputs';
export type { CoordinatorOutputs, SampleImages } from './distributed/coordinator-outputs';
export { startDistributedCoordinator } from './distributed/distributed-coordinator';
export type { DistributedCoordinatorOptions, DistributedRunOverrides, StartedCoordinator } from './distributed/distributed-coordinator';
export { DistributedProcessGroup } from './distributed/distributed-process-group';
export { PipelineMismatchError, WorkerConnectError, runDistributedWorker } from './distributed/distributed-worker';
export type { DistributedWorkerOptions, DistributedWorkerResult } from './distributed/distributed-worker';
export { distributedWorkerModule } from './distributed/distributed-worker-module';
export type { DistributedWorkerContext } from './distributed/distributed-worker-module';
export { Fnv1a64 } from './distributed/fnv1a64';
export { launchLocalJob } from './distributed/local-launch';
export type { LocalLaunchOptions, LocalLaunchResult, LocalWorkerCurve } from './distributed/local-launch';
export { readModelWeights } from './distributed/named-weights';
export type { NamedWeights } from './distributed/named-weights';
export { defaultAdvertiseHost, endpointHost, isLoopbackEndpoint } from './distributed/network-address';
export { NullMetricsSink } from './distributed/null-metrics-sink';
export { RemoteSampleWriter, sampleGridName } from './distributed/remote-sample-writer';
export { runScheduledJob } from './distributed/scheduled-run';
export type { ScheduledRunCurve, ScheduledRunOptions, ScheduledRunResult } from './distributed/scheduled-run';
export { SchedulerEnvironmentError, schedulerPlacementFromEnv } from './distributed/scheduler-placement';
export type { SchedulerPlacement, SchedulerPlacementOptions } from './distributed/scheduler-placement';
export { stepMetricsFromValues, stepMetricsToValues } from './distributed/step-metrics-values';
export { WEIGHTS_CHECKSUM_ALGORITHM, weightsChecksum } from './distributed/weights-checksum';
export { readWeightsFile, writeWeightsFile } from './distributed/weights-file';
export type { WeightsManifest, WeightsManifestEntry } from './distributed/weights-file';
export { CoordinatorRefusedError, WorkerSession } from './distributed/worker-session';
export type { CoordinatorChannel, CoordinatorCommand } from './distributed/worker-session';
export { WorkerProcesses } from './distributed/worker-processes';
export { stateFiles, stateMessage } from './distributed/state-message';
export type { StatePosition } from './distributed/state-message';
export type { OutputStreams, WorkerExit, WorkerProcessSpec } from './distributed/worker-processes';

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
