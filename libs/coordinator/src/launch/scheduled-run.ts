import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultAdvertiseHost, publicKeyFileFor, readAllowList, readCurveKeyPair, readPublicKey } from '@ganglion/comm';
import type { RequestedBackend } from '@ganglion/models';
import type { DistributedRunOverrides } from '../distributed-coordinator';
import { type DistributedWorkerResult, type ProgressMode, runDistributedWorker, type SetOverride } from '@ganglion/pipeline';
import { type LocalLaunchOptions, type LocalLaunchResult, launchLocalJob } from './local-launch';
import { type SchedulerPlacement, SchedulerEnvironmentError, schedulerPlacementFromEnv } from './scheduler-placement';
import type { OutputStreams } from './worker-processes';
import type { DashboardListenOptions } from '../dashboard/open-dashboard';

export interface ScheduledRunOptions {
  readonly pipelineFile: string;
  readonly overrides?: DistributedRunOverrides;
  /** `--set key.path=value` overrides: every process of the job must be given the same ones. */
  readonly sets?: readonly SetOverride[];
  /** The scheduler's environment (process.env). */
  readonly env: NodeJS.ProcessEnv;
  /** Host of process 0, overriding MASTER_ADDR / SLURM_LAUNCH_NODE_IPADDR. */
  readonly coordinatorHost?: string;
  /** Interface the coordinator and the ring sockets bind. Default 0.0.0.0 (all). */
  readonly bindHost?: string;
  /** Host this process's ring endpoint is announced with. Default: the bind host when it is a specific address, else the first external IPv4. */
  readonly advertiseHost?: string;
  readonly backend?: RequestedBackend;
  readonly outputDir: string;
  readonly logFormat?: 'pretty' | 'json';
  /** Process 0: how progress is shown (see DistributedCoordinatorOptions.progress). */
  readonly progress?: ProgressMode;
  /** Process 0: how long to wait for the others. Default 300000. */
  readonly joinTimeoutMs?: number;
  /** Other processes: how long to wait for process 0's coordinator. Default 300000 (they may start first). */
  readonly connectTimeoutMs?: number;
  /** Process 0 continues from a checkpoint (`--resume [dir]`, see DistributedCoordinatorOptions.resume). */
  readonly resume?: boolean | string;
  /** How process 0 starts its own worker (see LocalLaunchOptions.workerCommand). */
  readonly workerCommand: readonly string[];
  readonly signal?: AbortSignal;
  readonly output?: OutputStreams;
  /** Process 0: serve the live dashboard (see DistributedCoordinatorOptions.dashboard). */
  readonly dashboard?: DashboardListenOptions;
  /** CURVE key files; every process reads only the ones its role needs. Default: off. */
  readonly curve?: ScheduledRunCurve;
}

/** Key files of a CURVE job started by a scheduler (see `ganglion keygen --workers`). */
export interface ScheduledRunCurve {
  /** Process 0 only: the coordinator's secret key file (its `.pub` beside it). */
  readonly coordinatorSecretFile?: string;
  /** Process 0 only: public keys allowed to join, a file or a folder of `*.pub`. Default: workerSecret when it is a folder (its `*.pub` files). */
  readonly allow?: string;
  /** The coordinator's public key file. Default: the `.pub` beside coordinatorSecretFile. */
  readonly coordinatorKeyFile?: string;
  /** This process's worker secret key: a file, or a folder holding `worker-<RANK>.key` for every scheduler rank. */
  readonly workerSecret: string;
}

export type ScheduledRunResult =
  | ({ readonly role: 'coordinator'; readonly placement: SchedulerPlacement } & LocalLaunchResult)
  | { readonly role: 'worker'; readonly placement: SchedulerPlacement; readonly worker: DistributedWorkerResult };

/**
 * `ganglion run`: one process of a job a cluster scheduler started (one
 * `srun`, one Kubernetes Indexed Job, torchrun-style variables). Process
 * 0 runs the coordinator on MASTER_PORT plus a local worker; every other
 * process is a worker connecting to MASTER_ADDR:MASTER_PORT. Ganglion
 * ranks follow arrival order; the scheduler's rank only picks the role.
 */
export async function runScheduledJob(options: ScheduledRunOptions): Promise<ScheduledRunResult> {
  const placement = schedulerPlacementFromEnv(options.env, { coordinatorHost: options.coordinatorHost });
  if (placement === null) {
    throw new SchedulerEnvironmentError(
      'No scheduler environment found: set RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT (torchrun, Kubernetes) or run under SLURM (srun sets SLURM_PROCID and SLURM_NTASKS). ' +
        'On one machine use `ganglion launch <pipeline> --workers N` instead.',
    );
  }
  const bindHost = options.bindHost ?? '0.0.0.0';
  const advertiseHost = options.advertiseHost ?? (bindHost === '0.0.0.0' ? defaultAdvertiseHost() : bindHost);
  const ringBind = `tcp://${bindHost}:*`;
  const keys = options.curve === undefined ? undefined : curveFilesFor(options.curve, placement.rank);
  if (placement.rank === 0) {
    const launched = await launchLocalJob({
      pipelineFile: options.pipelineFile,
      overrides: options.overrides,
      sets: options.sets,
      outputDir: options.outputDir,
      logFormat: options.logFormat,
      progress: options.progress,
      dashboard: options.dashboard,
      backend: options.backend,
      joinTimeoutMs: options.joinTimeoutMs,
      resume: options.resume,
      signal: options.signal,
      output: options.output,
      workers: 1,
      totalWorkers: placement.worldSize,
      bind: `tcp://${bindHost}:${placement.coordinatorPort}`,
      workerCommand: options.workerCommand,
      workerArgs: ['--ring-bind', ringBind, '--advertise-host', advertiseHost],
      ...(keys === undefined ? {} : coordinatorCurve(keys)),
    });
    return { role: 'coordinator', placement, ...launched };
  }
  const worker = await runDistributedWorker({
    connect: `tcp://${placement.coordinatorHost}:${placement.coordinatorPort}`,
    pipelineFile: options.pipelineFile,
    sets: options.sets,
    backend: options.backend,
    ringBind,
    advertiseHost,
    connectTimeoutMs: options.connectTimeoutMs ?? 300_000,
    logFormat: options.logFormat,
    env: options.env,
    curve: keys === undefined ? undefined : { keyPair: readCurveKeyPair(keys.workerSecretFile), serverKey: readPublicKey(keys.coordinatorKeyFile) },
  });
  return { role: 'worker', placement, worker };
}

/** The key files one process of a scheduled CURVE job uses. */
interface ProcessKeyFiles {
  readonly coordinatorSecretFile?: string;
  readonly allow?: string;
  readonly coordinatorKeyFile: string;
  readonly workerSecretFile: string;
}

function curveFilesFor(curve: ScheduledRunCurve, rank: number): ProcessKeyFiles {
  const inFolder = fs.existsSync(curve.workerSecret) && fs.statSync(curve.workerSecret).isDirectory();
  const workerSecretFile = inFolder ? path.join(curve.workerSecret, `worker-${rank}.key`) : curve.workerSecret;
  if (!fs.existsSync(workerSecretFile)) {
    throw new SchedulerEnvironmentError(
      `CURVE: process ${rank} has no worker key at ${workerSecretFile}. Give each process its key (\`ganglion keygen --out keys --workers <WORLD_SIZE>\` makes worker-<rank>.key for every rank).`,
    );
  }
  const coordinatorKeyFile = curve.coordinatorKeyFile ?? (curve.coordinatorSecretFile === undefined ? undefined : publicKeyFileFor(curve.coordinatorSecretFile));
  if (coordinatorKeyFile === undefined) {
    throw new SchedulerEnvironmentError("CURVE: the workers need the coordinator's public key: pass --coordinator-key <file> (or --curve-keys <dir>).");
  }
  const allow = curve.allow ?? (inFolder ? curve.workerSecret : undefined);
  return { coordinatorSecretFile: curve.coordinatorSecretFile, allow, coordinatorKeyFile, workerSecretFile };
}

/** Process 0's coordinator keys and its one local worker's. */
function coordinatorCurve(keys: ProcessKeyFiles): Pick<LocalLaunchOptions, 'curve' | 'workerCurve'> {
  if (keys.coordinatorSecretFile === undefined) {
    throw new SchedulerEnvironmentError('CURVE: process 0 runs the coordinator and needs its secret key: pass --curve-secret <file> (or --curve-keys <dir>).');
  }
  if (keys.allow === undefined) {
    throw new SchedulerEnvironmentError("CURVE: process 0 needs the workers' public keys: pass --allow <file-or-dir> (or --curve-keys <dir>).");
  }
  return {
    curve: { keyPair: readCurveKeyPair(keys.coordinatorSecretFile), allow: readAllowList(keys.allow) },
    workerCurve: { secretKeyFiles: [keys.workerSecretFile], coordinatorKeyFile: keys.coordinatorKeyFile },
  };
}
