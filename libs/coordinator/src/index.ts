// The coordinator of a data-parallel job: admission, generations, the step
// loop and the run folder it writes. No tfjs here: the workers compute.
export { Coordinator } from './job/coordinator';
export type { CoordinatorOptions, CoordinatorResult } from './job/coordinator';
export { ChecksumMismatchError, CoordinatorInterruptedError, JoinTimeoutError, WorkerFailedError } from './job/coordinator-errors';
export { RunFolderOutputs } from './outputs/coordinator-outputs';
export type { CoordinatorOutputs, SampleImages } from './outputs/coordinator-outputs';
export { startDistributedCoordinator } from './distributed-coordinator';
export type { DistributedCoordinatorOptions, DistributedRunOverrides, StartedCoordinator } from './distributed-coordinator';

// Launchers: local worker processes, scheduled jobs (SLURM, torchrun-style variables).
export { launchLocalJob } from './launch/local-launch';
export type { LocalLaunchOptions, LocalLaunchResult, LocalWorkerCurve } from './launch/local-launch';
export { runScheduledJob } from './launch/scheduled-run';
export type { ScheduledRunCurve, ScheduledRunOptions, ScheduledRunResult } from './launch/scheduled-run';
export { SchedulerEnvironmentError, schedulerPlacementFromEnv } from './launch/scheduler-placement';
export type { SchedulerPlacement, SchedulerPlacementOptions } from './launch/scheduler-placement';
export { WorkerProcesses } from './launch/worker-processes';
export type { OutputStreams, WorkerExit, WorkerProcessSpec } from './launch/worker-processes';

// The live training dashboard (`--dashboard`), fed by the coordinator.
export type { CoordinatorEvents, RankMetrics, WorkerAnnouncement } from './dashboard/coordinator-events';
export { DashboardState, thinInPlace } from './dashboard/dashboard-state';
export type { DashboardPoint, DashboardRunInfo, DashboardRunStatus, DashboardSample, DashboardSnapshot, DashboardStateOptions, DashboardWorker } from './dashboard/dashboard-state';
export { DEFAULT_DASHBOARD_PORT, DashboardServer, isLoopbackHost } from './dashboard/dashboard-server';
export type { DashboardServerOptions } from './dashboard/dashboard-server';
export { openDashboard } from './dashboard/open-dashboard';
export type { DashboardListenOptions } from './dashboard/open-dashboard';
export { formatSseEvent, SseBroadcaster } from './dashboard/sse-broadcaster';

// The command line of the coordinator and the launchers (`coordinator`, `launch`, `run`).
export { coordinatorCommand, launchCommand, runCommand } from './command-line/distributed-commands';
export { addDistributedOptions, addOverrideOptions, describeRun, gpuList, withInterrupts } from './command-line/cli-options';
export type { DistributedFlags, OverrideFlags } from './command-line/cli-options';
