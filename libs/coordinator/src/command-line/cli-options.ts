import { type Command, InvalidArgumentError, Option } from 'commander';
import { addPipelineOverrideOptions, formatLosses, logFormatOption, nonFiniteOption, nonNegativeInt, positiveInt, positiveSeconds, type RunPaths, type SetOverride, tcpPort } from '@ganglion/pipeline';
import type { DashboardListenOptions } from '../dashboard/open-dashboard';
import type { DistributedRunOverrides } from '../distributed-coordinator';
import type { CoordinatorResult } from '../job/coordinator';
import { CoordinatorInterruptedError } from '../job/coordinator-errors';

/** `--gpus 0,1,3` → ['0', '1', '3']. */
export function gpuList(value: string): string[] {
  const ids = value.split(',').map((id) => id.trim());
  if (ids.length === 0 || ids.some((id) => !/^\d+$/.test(id))) throw new InvalidArgumentError(`expected GPU ids such as 0,1, got "${value}"`);
  if (new Set(ids).size !== ids.length) throw new InvalidArgumentError(`each GPU may appear once, got "${value}"`);
  return ids;
}

/** Flags shared by train, coordinator, launch and run: the settings a command line may replace. */
export interface OverrideFlags {
  set?: SetOverride[];
  steps?: number;
  batchSize?: number;
  seed?: number;
  sampleEvery?: number;
  logEvery?: number;
  nonFinite?: 'skip' | 'stop';
  logFormat: 'pretty' | 'json';
  out: string;
}

/** Flags of the data-parallel commands. */
export interface DistributedFlags extends OverrideFlags {
  reducer?: 'ring' | 'star';
  fp16?: boolean;
  checksumEvery?: number;
  stepWindow?: number;
  bucketBytes?: number;
  reduceTimeout?: number;
  joinTimeout: number;
  progress: 'auto' | 'bar' | 'lines';
  checkpointEvery?: number;
  keepCheckpoints?: number;
  resume?: boolean | string;
  minWorkers?: number;
  maxWorkers?: number;
  rejoinTimeout: number;
  workerTimeout: number;
  dashboard?: boolean;
  dashboardPort?: number;
  dashboardHost?: string;
}

export function addOverrideOptions(command: Command): Command {
  return addPipelineOverrideOptions(command, 'global batch size, over all workers (overrides the pipeline)')
    .addOption(nonFiniteOption())
    .addOption(logFormatOption())
    .option('--out <dir>', 'folder for runs/<name>/<timestamp>', 'runs');
}

export function addDistributedOptions(command: Command): Command {
  return addOverrideOptions(command)
    .addOption(new Option('--reducer <name>', 'how gradients are averaged (overrides the pipeline)').choices(['ring', 'star']))
    .option('--fp16', 'send gradients as float16 (half the bytes, ~3 significant digits)')
    .option('--checksum-every <n>', 'compare weight checksums across ranks every n steps (and at the end)', positiveInt)
    .option('--step-window <n>', 'ring: steps the coordinator grants per STEP message, the ranks reporting once per grant; joiners are let in between grants (default 8, at most 1000; the star takes 1)', positiveInt)
    .option('--bucket-bytes <n>', 'largest gradient bucket in bytes (default 4 MiB)', positiveInt)
    .option('--reduce-timeout <seconds>', 'a reduction that receives nothing this long is a stall: the coordinator drops the peer that did not deliver and redoes the step (default 120)', positiveSeconds)
    .option('--join-timeout <seconds>', 'how long to wait for every worker to join and get ready', positiveSeconds, 300)
    .option('--checkpoint-every <n>', 'rank 0 sends a checkpoint to the coordinator every n steps (and at the end)', nonNegativeInt)
    .option('--keep-checkpoints <n>', 'checkpoints kept in the run folder', positiveInt)
    .option('--resume [dir]', 'continue from the newest valid checkpoint: of the newest run under --out, or of a run or checkpoint folder')
    .option('--min-workers <n>', 'keep training after losing workers while at least n remain (default --workers)', positiveInt)
    .option('--max-workers <n>', 'admit workers joining the running job up to n (default --workers)', positiveInt)
    .option('--rejoin-timeout <seconds>', 'below --min-workers, wait this long for workers to join before failing', positiveSeconds, 60)
    .option('--worker-timeout <seconds>', 'drop a worker silent this long (hung or stopped) and go on without it', positiveSeconds, 30)
    .option('--dashboard', 'serve the live training dashboard (workers, loss curves, throughput, latest samples) at http://127.0.0.1:6006/')
    .option('--dashboard-port <n>', 'dashboard port (default 6006; 0 picks a free one, the URL is logged); implies --dashboard', tcpPort)
    .option('--dashboard-host <host>', 'dashboard interface (default 127.0.0.1; the page has no login, wider binds are warned about); implies --dashboard')
    .addOption(
      new Option('--progress <mode>', 'coordinator progress: a live bar, a log line every --log-every steps, or auto (bar on a terminal with pretty logs)')
        .choices(['auto', 'bar', 'lines'])
        .default('auto'),
    );
}

/** What `coordinator`, `launch` and `run` pass alike to the job they start, from the same flags. */
export function jobOptionsOf(pipelineFile: string, flags: DistributedFlags) {
  return {
    pipelineFile,
    overrides: overridesOf(flags),
    sets: flags.set,
    joinTimeoutMs: flags.joinTimeout * 1000,
    outputDir: flags.out,
    logFormat: flags.logFormat,
    progress: flags.progress,
    dashboard: dashboardOf(flags),
  };
}

/** `--dashboard` / `--dashboard-port` / `--dashboard-host` → where the dashboard listens, or undefined without any of them. */
export function dashboardOf(flags: DistributedFlags): DashboardListenOptions | undefined {
  if (flags.dashboard !== true && flags.dashboardPort === undefined && flags.dashboardHost === undefined) return undefined;
  return { host: flags.dashboardHost, port: flags.dashboardPort };
}

export function overridesOf(flags: DistributedFlags): DistributedRunOverrides {
  return {
    steps: flags.steps,
    batchSize: flags.batchSize,
    seed: flags.seed,
    sampleEvery: flags.sampleEvery,
    logEvery: flags.logEvery,
    nonFiniteGradients: flags.nonFinite,
    reducer: flags.reducer,
    fp16: flags.fp16,
    checksumEvery: flags.checksumEvery,
    stepWindow: flags.stepWindow,
    bucketBytes: flags.bucketBytes,
    reduceTimeoutMs: flags.reduceTimeout === undefined ? undefined : flags.reduceTimeout * 1000,
    checkpointEvery: flags.checkpointEvery,
    keepCheckpoints: flags.keepCheckpoints,
  };
}

/** The fault-tolerance flags, as startDistributedCoordinator takes them. */
export function elasticOf(flags: DistributedFlags): {
  resume?: boolean | string;
  minWorkers?: number;
  maxWorkers?: number;
  rejoinTimeoutMs: number;
  workerTimeoutMs: number;
} {
  return {
    resume: flags.resume,
    minWorkers: flags.minWorkers,
    maxWorkers: flags.maxWorkers,
    rejoinTimeoutMs: flags.rejoinTimeout * 1000,
    workerTimeoutMs: flags.workerTimeout * 1000,
  };
}

/**
 * Runs `action` with a signal that Ctrl-C (SIGINT) or SIGTERM aborts, so
 * the coordinator can send SHUTDOWN before it exits. A second signal exits
 * at once. Resolves to the action's exit code, 130 / 143 when interrupted.
 */
export async function withInterrupts(action: (signal: AbortSignal) => Promise<void>): Promise<number> {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received !== undefined) process.exit(signal === 'SIGINT' ? 130 : 143);
    received = signal;
    process.stderr.write(`\n${signal}: stopping the job (again to force)...\n`);
    controller.abort(new CoordinatorInterruptedError(`received ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await action(controller.signal);
    return 0;
  } catch (error) {
    if (error instanceof CoordinatorInterruptedError) {
      process.stderr.write(`Stopped: ${error.message}. Every worker was told to shut down.\n`);
      return received === 'SIGTERM' ? 143 : 130;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The lines printed when a data-parallel run finishes. */
export function describeRun(result: CoordinatorResult, paths: RunPaths): string {
  const losses = (record: Readonly<Record<string, number>>) => formatLosses(record, { assign: ' ', separator: ', ' });
  const checks = result.checksumSteps;
  return (
    `\nTrained ${result.steps} steps with ${result.worldSize} worker${result.worldSize === 1 ? '' : 's'} (reducer ${result.reducer}): ` +
    `${result.medianStepMs.toFixed(0)} ms/step (median), reduce ${result.medianReduceMs.toFixed(1)} ms/step, coordinator CPU ${result.coordinatorCpuMsPerStep.toFixed(2)} ms/step.\n` +
    `Loss at the start: ${losses(result.firstLosses)}; at the end: ${losses(result.finalLosses)}.\n` +
    (checks.length > 0
      ? `Weights identical on all ${result.worldSize} ranks: checksums matched at ${checks.length} step${checks.length === 1 ? '' : 's'} (last after step ${(checks.at(-1) as number) + 1}).\n`
      : '') +
    `Sample grids: ${paths.samples} (latest: ${result.samples.at(-1) ?? 'none'})\n` +
    `Metrics: ${paths.metrics}\n` +
    `Final weights: ${result.finalWeights ?? 'none'}\n`
  );
}
