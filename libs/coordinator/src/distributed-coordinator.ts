import { CoordinatorSocket, type CurveServerOptions, DEFAULT_COORDINATOR_ENDPOINT, isLoopbackEndpoint, missingFrameMallocTunables, unencryptedBindWarning } from '@ganglion/comm';
import { splitEvenly } from '@ganglion/data';
import { BarProgressReporter, checkResumable, createLogger, createRunFolder, type DistributedSettings, dropMetricsFrom, findResumeCheckpoint, loadPipelineFile, type Logger, recordResolvedPipeline, type SetOverride, type PipelineSettings, type PipelineSpec, type ProgressMode, resolveProgressMode, type RunPaths, runPathsIn, SystemClock, withOverrides } from '@ganglion/pipeline';
import { Coordinator, type CoordinatorResult } from './job/coordinator';
import { CoordinatorInterruptedError } from './job/coordinator-errors';
import { RunFolderOutputs } from './outputs/coordinator-outputs';
import { CoordinatorCheckpoints } from './outputs/coordinator-checkpoints';
import type { CoordinatorEvents } from './dashboard/coordinator-events';
import type { DashboardRunInfo } from './dashboard/dashboard-state';
import { CoordinatorEventsFanOut } from './job/coordinator-events-fan-out';
import { type DashboardListenOptions, openDashboard } from './dashboard/open-dashboard';

/** Settings a command line may replace in a data-parallel run. */
export type DistributedRunOverrides = Partial<
  Pick<PipelineSpec, 'steps' | 'batchSize' | 'seed' | 'sampleEvery' | 'logEvery' | 'nonFiniteGradients' | 'checkpointEvery' | 'keepCheckpoints'>
> &
  Partial<DistributedSettings>;

export interface DistributedCoordinatorOptions {
  /** Path of the pipeline file. */
  readonly pipelineFile: string;
  /** Settings that replace the pipeline's own (command-line flags). */
  readonly overrides?: DistributedRunOverrides;
  /** `--set key.path=value` overrides of any field, applied before `overrides`; training-relevant ones are part of the pipeline hash. */
  readonly sets?: readonly SetOverride[];
  /** Where the ROUTER binds. Default `tcp://127.0.0.1:5555`; `tcp://127.0.0.1:*` picks a free port. */
  readonly bind?: string;
  /** Number of workers to wait for. */
  readonly workers: number;
  /** How long to wait for them to join and get ready, in ms. Default 300000. */
  readonly joinTimeoutMs?: number;
  /** Keep training with this many workers after losing some (`--min-workers`). Default `workers`. */
  readonly minWorkers?: number;
  /** Admit workers joining a running job up to this many (`--max-workers`). Default `workers`. */
  readonly maxWorkers?: number;
  /** Below minWorkers, wait this long for workers to (re)join before failing, in ms (`--rejoin-timeout`). Default 60000. */
  readonly rejoinTimeoutMs?: number;
  /** A worker silent this long (ZMTP heartbeats: a hung or stopped process) is dropped from the job, in ms (`--worker-timeout`). Default 30000. */
  readonly workerTimeoutMs?: number;
  /**
   * Continue a run from its newest valid checkpoint (`--resume [dir]`):
   * true looks under `outputDir` for the newest run of the pipeline; a
   * string is a run folder or one checkpoint folder. The run goes on in
   * the checkpoint's run folder.
   */
  readonly resume?: boolean | string;
  /** Folder that holds runs/<name>/<timestamp>/. */
  readonly outputDir: string;
  readonly logFormat?: 'pretty' | 'json';
  /**
   * `bar`: a live progress bar on stderr; `lines`: a log line every
   * `logEvery` steps; `auto` (the default): a bar when stdout is a terminal
   * and the log format is pretty, lines otherwise.
   */
  readonly progress?: ProgressMode;
  /** Stops the run (Ctrl-C): workers get SHUTDOWN. */
  readonly signal?: AbortSignal;
  /**
   * CURVE encryption with an allow-list of worker keys (its `onRefused` is
   * filled in to log each refused key). Default: off. With CURVE every
   * HELLO must declare the key its connection authenticated with, and a
   * ring job's WELCOMEs carry every rank's key, so the workers' ring
   * sockets are CURVE too and admit only the job's members.
   */
  readonly curve?: Omit<CurveServerOptions, 'onRefused'>;
  /** Serve the live dashboard here while the job runs (`--dashboard`). Default: off. */
  readonly dashboard?: DashboardListenOptions;
  /** Also told of joins, losses and generations (a launcher's LaunchRoster). */
  readonly events?: CoordinatorEvents;
}

/** A coordinator bound to its endpoint, not yet running: launchers start workers against `endpoint` first. */
export interface StartedCoordinator {
  /** The bound endpoint with its real port. */
  readonly endpoint: string;
  readonly paths: RunPaths;
  readonly settings: PipelineSettings;
  readonly logger: Logger;
  /** Runs the job to the end; closes the socket and the run's files whatever happens. */
  run(): Promise<CoordinatorResult>;
  /** Releases the socket without running (when a launcher fails before run()). */
  close(): Promise<void>;
}

/**
 * `ganglion coordinator`: loads the pipeline (for its name, hash and
 * settings; it never computes with tfjs), applies the command line's
 * overrides, binds the ROUTER and returns a coordinator ready to run. A
 * composition root: the Coordinator receives its socket, outputs, logger
 * and clock.
 */
export async function startDistributedCoordinator(options: DistributedCoordinatorOptions): Promise<StartedCoordinator> {
  const loaded = loadPipelineFile(options.pipelineFile, options.sets ?? []);
  const { reducer, fp16, bucketBytes, checksumEvery, stepWindow, reduceTimeoutMs, ...plain } = options.overrides ?? {};
  const distributed = Object.fromEntries(
    Object.entries({ ...loaded.definition.spec.distributed, reducer, fp16, bucketBytes, checksumEvery, stepWindow, reduceTimeoutMs }).filter(([, v]) => v !== undefined),
  );
  const definition = withOverrides(loaded.definition, { ...plain, distributed });
  const { settings } = definition;
  splitEvenly(settings.batchSize, options.workers); // Throws, with what to do, when the batch cannot be split.
  const early = options.resume ? createLogger({ format: options.logFormat, base: { role: 'coordinator' } }) : undefined;
  const resumed = options.resume
    ? findResumeCheckpoint(options.resume === true ? undefined : options.resume, options.outputDir, settings.name, early as Logger)
    : undefined;
  // Refused before anything is created or rewritten.
  if (resumed !== undefined) checkResumable(resumed.checkpoint, loaded.hash, settings, early as Logger);
  const paths = resumed?.runFolder !== undefined ? runPathsIn(resumed.runFolder) : createRunFolder(options.outputDir, settings.name, new Date());
  const logger = createLogger({ format: options.logFormat, file: paths.log, base: { role: 'coordinator' } });
  recordResolvedPipeline(paths.root, loaded, logger, settings);
  if (resumed !== undefined) {
    dropMetricsFrom(paths.metrics, resumed.checkpoint.state.step, logger);
    logger.info(
      { checkpoint: resumed.checkpoint.folder, step: resumed.checkpoint.state.step, steps: settings.steps },
      `resuming from ${resumed.checkpoint.folder} at step ${resumed.checkpoint.state.step} of ${settings.steps}`,
    );
  }
  const bind = options.bind ?? DEFAULT_COORDINATOR_ENDPOINT;
  if (options.curve !== undefined) {
    logger.info(
      { bind, allowedKeys: options.curve.allow.size, coordinatorKey: options.curve.keyPair.publicKey },
      `CURVE on: traffic to ${bind} is encrypted and only the ${options.curve.allow.size} allowed worker key${options.curve.allow.size === 1 ? '' : 's'} can join; ` +
        `ring sockets between workers are CURVE too and admit only the job's members`,
    );
  } else if (!isLoopbackEndpoint(bind)) {
    logger.warn({ bind }, unencryptedBindWarning(bind, 'coordinator'));
  }
  if (settings.distributed.reducer === 'star') {
    // The star's gradients arrive here: received frames' memory, as on a worker (FRAME_MALLOC_TUNABLES).
    const malloc = missingFrameMallocTunables();
    if (malloc.missing.length > 0) logger.warn({ glibcTunables: malloc.missing }, `star reducer: ${malloc.advice}`);
  }
  const workerTimeoutMs = options.workerTimeoutMs ?? 30_000;
  const socket = await CoordinatorSocket.bind({
    endpoint: bind,
    sendTimeoutMs: 5000,
    // ZMTP heartbeats: libzmq drops the connection of a worker silent past the timeout (hung, SIGSTOPped); the next send to it fails.
    heartbeat: { intervalMs: Math.min(1000, Math.max(100, Math.round(workerTimeoutMs / 5))), timeoutMs: workerTimeoutMs },
    onError: (error) => logger.debug({ error: error.message }, 'coordinator socket'),
    curve:
      options.curve === undefined
        ? undefined
        : {
            ...options.curve,
            onRefused: (key, address) =>
              logger.warn({ key, address }, `refused a worker: its CURVE public key ${key} (from ${address || 'an unknown address'}) is not on the allow-list`),
          },
  });
  logger.info({ pipeline: loaded.file, hash: loaded.hash.slice(0, 12), run: paths.root, endpoint: socket.endpoint }, `pipeline ${settings.name}, run folder ${paths.root}`);
  const dashboard = await openDashboard(options.dashboard, dashboardRunInfo(settings, options.workers, paths), logger).catch(async (error: unknown) => {
    await socket.close();
    throw error;
  });
  const outputs = new RunFolderOutputs(paths);
  const progressMode = resolveProgressMode(options.progress ?? 'auto', process.stdout.isTTY === true && options.logFormat !== 'json');
  const coordinator = new Coordinator(
    socket,
    {
      pipeline: { file: loaded.file, hash: loaded.hash, settings },
      workers: options.workers,
      joinTimeoutMs: options.joinTimeoutMs ?? 300_000,
      minWorkers: options.minWorkers,
      maxWorkers: options.maxWorkers,
      rejoinTimeoutMs: options.rejoinTimeoutMs,
      resume: resumed?.checkpoint,
      checkpoints: new CoordinatorCheckpoints({ folder: paths.checkpoints, keep: settings.keepCheckpoints }, logger),
      signal: options.signal,
      progress: progressMode === 'bar' ? new BarProgressReporter() : undefined,
      events: new CoordinatorEventsFanOut([dashboard, options.events]),
    },
    outputs,
    logger,
    new SystemClock(),
  );
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    outputs.close();
    await socket.close();
    await dashboard?.close();
  };
  return {
    endpoint: socket.endpoint,
    paths,
    settings,
    logger,
    run: async () => {
      try {
        const result = await coordinator.run();
        dashboard?.ended('finished');
        logger.info({ samples: paths.samples, metrics: paths.metrics, weights: result.finalWeights }, `done: sample grids in ${paths.samples}`);
        return result;
      } catch (error) {
        dashboard?.ended('failed', (error as Error).message);
        if (error instanceof CoordinatorInterruptedError) logger.warn(`stopped: ${error.message}; every worker was told to shut down`);
        else logger.error({ error: (error as Error).message }, `the run failed: ${(error as Error).message}`);
        throw error;
      } finally {
        await close();
      }
    },
    close,
  };
}

/** What the dashboard shows of the run from the start. */
function dashboardRunInfo(settings: PipelineSettings, workers: number, paths: RunPaths): DashboardRunInfo {
  const { name, steps, distributed, batchSize } = settings;
  return { pipeline: name, steps, startStep: 0, reducer: distributed.reducer, batchSize, workers, runFolder: paths.root };
}
