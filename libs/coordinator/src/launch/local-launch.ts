import { withFrameMallocTunables } from '@ganglion/comm';
import type { RequestedBackend } from '@ganglion/models';
import type { RunPaths } from '@ganglion/pipeline';
import type { CoordinatorResult } from '../job/coordinator';
import { WorkerFailedError } from '../job/coordinator-errors';
import { type DistributedCoordinatorOptions, startDistributedCoordinator } from '../distributed-coordinator';
import { LaunchRoster } from './launch-roster';
import { type OutputStreams, type WorkerExit, WorkerProcesses } from './worker-processes';

export interface LocalLaunchOptions extends Omit<DistributedCoordinatorOptions, 'workers' | 'bind'> {
  /** Worker processes to start on this machine. */
  readonly workers: number;
  /** Size of the whole job, when more workers join from other machines. Default: `workers`. */
  readonly totalWorkers?: number;
  /** Where the coordinator binds. Default `tcp://127.0.0.1:*` (a free port, this machine only). */
  readonly bind?: string;
  /**
   * One worker per GPU id, each with CUDA_VISIBLE_DEVICES=<id> and
   * TF_FORCE_GPU_ALLOW_GROWTH=true (tfjs-node-gpu) and GANGLION_GPU=<id>
   * (webgpu: the adapter at that index of Dawn's list). Its length must equal `workers`.
   */
  readonly gpus?: readonly string[];
  /** Compute backend of the workers. */
  readonly backend?: RequestedBackend;
  /** The command that runs a worker, e.g. `[process.execPath, 'bin/ganglion.js', 'worker']`; --connect and the pipeline are appended. */
  readonly workerCommand: readonly string[];
  /** More arguments for every worker (e.g. --ring-bind). */
  readonly workerArgs?: readonly string[];
  /** Environment of the workers (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Where the workers' prefixed output goes. Default: this process's stdout and stderr. */
  readonly output?: OutputStreams;
  /**
   * CURVE keys of the local workers (with `curve`, the coordinator's):
   * worker i gets `--curve-secret secretKeyFiles[i] --coordinator-key
   * coordinatorKeyFile`, so its connection and its ring socket are CURVE.
   * Default: off.
   */
  readonly workerCurve?: LocalWorkerCurve;
}

/** Key files of the workers a launcher starts. */
export interface LocalWorkerCurve {
  /** One secret key file per local worker (its `.pub` beside it), in worker order; its public key must be on the coordinator's allow-list. */
  readonly secretKeyFiles: readonly string[];
  /** The coordinator's public key file. */
  readonly coordinatorKeyFile: string;
}

export interface LocalLaunchResult {
  readonly result: CoordinatorResult;
  readonly paths: RunPaths;
}

/**
 * `ganglion launch`, like `torchrun --standalone --nproc-per-node N`: the
 * coordinator in this process on a free loopback port, N worker processes
 * beside it. A worker that exits before the job formed stops the job;
 * once it runs, losses follow the coordinator's elastic rules exactly as
 * under `ganglion coordinator` (--min-workers, --max-workers,
 * --rejoin-timeout, --worker-timeout), and a worker the coordinator
 * dropped as hung is killed. Messages name workers by rank and id. A
 * failed job stops every worker; workers exit by themselves when this
 * process dies, however it dies (they watch their stdin pipe).
 * Rejects with the reason on any failure.
 */
export async function launchLocalJob(options: LocalLaunchOptions): Promise<LocalLaunchResult> {
  const { workers, gpus } = options;
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`--workers must be a positive integer, got ${workers}.`);
  if (gpus !== undefined && gpus.length !== workers) {
    throw new RangeError(`--gpus lists ${gpus.length} GPU${gpus.length === 1 ? '' : 's'} (${gpus.join(',')}) but ${workers} workers were asked for; one worker runs per GPU.`);
  }
  if ((options.curve === undefined) !== (options.workerCurve === undefined)) {
    throw new RangeError(
      options.curve === undefined
        ? 'The workers were given CURVE keys but the coordinator was not: give the coordinator its secret key and allow-list too (--curve-secret, --allow, or --curve-keys).'
        : 'The coordinator runs CURVE but the local workers have no keys: give them their secret keys (--worker-secret, or --curve-keys).',
    );
  }
  if (options.workerCurve !== undefined && options.workerCurve.secretKeyFiles.length < workers) {
    throw new RangeError(
      `CURVE: ${workers} local workers need ${workers} secret keys, got ${options.workerCurve.secretKeyFiles.length}. Create more with \`ganglion keygen --out <dir> --workers ${workers}\`.`,
    );
  }
  const totalWorkers = options.totalWorkers ?? workers;
  const stop = new AbortController();
  const onOuterAbort = (): void => stop.abort(options.signal?.reason);
  if (options.signal?.aborted) onOuterAbort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });

  const processes = new WorkerProcesses(options.output ?? { stdout: process.stdout, stderr: process.stderr });
  // A worker the coordinator dropped (hung, stopped) is no longer part of the job: its process goes too.
  const roster = new LaunchRoster((entry) => processes.killPid(entry.pid, 'SIGKILL'));
  const coordinator = await startDistributedCoordinator({
    ...options,
    workers: totalWorkers,
    bind: options.bind ?? 'tcp://127.0.0.1:*',
    signal: stop.signal,
    events: roster,
  });
  const connect = coordinator.endpoint.replace(/^tcp:\/\/(0\.0\.0\.0|\*)(?=:)/, 'tcp://127.0.0.1');
  let finished = false;
  const lostExits = new Set<number>();
  processes.onExit((exit) => {
    if (finished || stop.signal.aborted) return;
    // Give the worker's own ERROR (with its reason) and the coordinator's notice of the loss a moment to arrive first.
    setTimeout(() => {
      if (finished || stop.signal.aborted) return;
      if (roster.jobFormed) {
        // Once the job runs, a lost worker is the coordinator's call, as under `ganglion coordinator`:
        // it goes on above --min-workers, waits --rejoin-timeout below it, then fails.
        lostExits.add(exit.index);
        coordinator.logger.warn(
          { pid: exit.pid, code: exit.code, signal: exit.signal },
          `local worker ${roster.describe(exit.pid)} ${describeExit(exit)}; the coordinator decides whether the job goes on (--min-workers)`,
        );
        return;
      }
      stop.abort(new WorkerFailedError(`Local worker ${roster.describe(exit.pid)} ${describeExit(exit)} before the job started; stopping the job.`));
    }, 1000);
  });
  // glibc keeps received frames' memory for the next ones (see FRAME_MALLOC_TUNABLES).
  const baseEnv = withFrameMallocTunables(options.env ?? process.env);
  for (let index = 0; index < workers; index++) {
    const gpu = gpus?.[index];
    processes.start({
      index,
      command: options.workerCommand[0],
      args: [
        ...options.workerCommand.slice(1),
        '--connect',
        connect,
        options.pipelineFile,
        '--backend',
        options.backend ?? 'auto',
        '--log-format',
        options.logFormat ?? 'pretty',
        ...(options.workerArgs ?? []),
        // The workers hash the same overrides: a worker with other --set flags would be refused.
        ...(options.sets ?? []).flatMap((override) => ['--set', override.text]),
        ...(options.workerCurve === undefined ? [] : ['--curve-secret', options.workerCurve.secretKeyFiles[index], '--coordinator-key', options.workerCurve.coordinatorKeyFile]),
      ],
      env: gpu === undefined ? { ...baseEnv } : { ...baseEnv, CUDA_VISIBLE_DEVICES: gpu, TF_FORCE_GPU_ALLOW_GROWTH: 'true', GANGLION_GPU: gpu },
    });
  }
  coordinator.logger.info(
    { workers, gpus, endpoint: connect },
    `started ${workers} local worker process${workers === 1 ? '' : 'es'}${gpus === undefined ? '' : ` on GPUs ${gpus.join(',')}`}, connecting to ${connect}`,
  );

  try {
    const result = await coordinator.run();
    finished = true;
    const exits = await processes.waitAll(30_000);
    if (exits === undefined) {
      coordinator.logger.warn('some workers did not exit within 30 s of SHUTDOWN; stopping them');
      await processes.stopAll(5000);
    } else {
      // Workers lost during the run were reported then; the job went on without them.
      const failed = exits.filter((exit) => exit.code !== 0 && !lostExits.has(exit.index) && roster.byPid(exit.pid)?.lostBecause === undefined);
      if (failed.length > 0) throw new WorkerFailedError(`The job finished but ${failed.map((e) => `${roster.describe(e.pid)} ${describeExit(e)}`).join(', ')}.`);
    }
    return { result, paths: coordinator.paths };
  } catch (error) {
    finished = true;
    await processes.stopAll(5000);
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}

function describeExit(exit: WorkerExit): string {
  return exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}
