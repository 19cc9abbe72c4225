import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { atomicMarkingForLargeMessages, readAllowList, readCurveKeyPair } from '@ganglion/comm';
import { backendOption, endpointArgument, positiveInt, positiveSeconds } from '@ganglion/pipeline';
import { startDistributedCoordinator } from '../distributed-coordinator';
import { launchLocalJob } from '../launch/local-launch';
import { runScheduledJob } from '../launch/scheduled-run';
import {
  addDistributedOptions,
  describeRun,
  type DistributedFlags,
  elasticOf,
  gpuList,
  jobOptionsOf,
  withInterrupts,
} from './cli-options';
import { addCurveOptions, type CurveFlags, launchCurve, scheduledCurve } from './curve-flags';

/**
 * How a launcher starts a worker process: this same command, `ganglion
 * worker`. The running script when it is the `ganglion` bin (an install:
 * node_modules/.bin/ganglion links to the ganglion package's
 * bin/ganglion.js); else, from a checkout (tests, tsx), the repository's.
 */
function workerCommand(): string[] {
  const running = process.argv[1] !== undefined && fs.existsSync(process.argv[1]) ? fs.realpathSync(process.argv[1]) : undefined;
  const bin = running !== undefined && path.basename(running) === 'ganglion.js' ? running : path.resolve(__dirname, '..', '..', '..', '..', 'bin', 'ganglion.js');
  return [process.execPath, bin, 'worker'];
}

interface CoordinatorFlags extends DistributedFlags {
  bind: string;
  workers: number;
  curveSecret?: string;
  allow?: string;
}

/** `ganglion coordinator <pipeline> --bind tcp://0.0.0.0:5555 --workers N` */
export function coordinatorCommand(setExitCode: (code: number) => void): Command {
  return addDistributedOptions(
    new Command('coordinator')
      .description('Coordinate a data-parallel job: wait for N workers (`ganglion worker --connect ...`), drive their steps, write the run.')
      .argument('<pipeline>', 'pipeline file, e.g. pipelines/fashion-vae.ts')
      .option('--bind <endpoint>', 'where workers connect; other interfaces than loopback must be asked for', endpointArgument('bind'), 'tcp://127.0.0.1:5555')
      .requiredOption('--workers <n>', 'number of workers in the job', positiveInt)
      .option('--curve-secret <file>', "CURVE: this coordinator's secret key file (`ganglion keygen`; the .pub beside it); needs --allow")
      .option('--allow <file-or-dir>', 'CURVE: public keys allowed to join, a file with one key per line or a folder of *.pub files'),
  ).action(async (pipelineFile: string, flags: CoordinatorFlags) => {
    if ((flags.curveSecret === undefined) !== (flags.allow === undefined)) {
      process.stderr.write('CURVE needs both --curve-secret <file> and --allow <file-or-dir> (create keys with `ganglion keygen`).\n');
      setExitCode(2);
      return;
    }
    atomicMarkingForLargeMessages(); // the star's gradient frames are megabytes: see its comment
    const code = await withInterrupts(async (signal) => {
      const curve = flags.curveSecret === undefined || flags.allow === undefined ? undefined : { keyPair: readCurveKeyPair(flags.curveSecret), allow: readAllowList(flags.allow) };
      const coordinator = await startDistributedCoordinator({
        ...jobOptionsOf(pipelineFile, flags),
        bind: flags.bind,
        workers: flags.workers,
        ...elasticOf(flags),
        signal,
        curve,
      });
      const result = await coordinator.run();
      process.stdout.write(describeRun(result, coordinator.paths));
    });
    setExitCode(code);
  });
}

interface LaunchFlags extends DistributedFlags, CurveFlags {
  workers?: number;
  gpus?: string[];
  backend: 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
  fromEnv?: boolean;
  bindHost?: string;
  advertiseHost?: string;
  coordinatorHost?: string;
  connectTimeout: number;
}

/** `ganglion launch <pipeline> --workers N`, like `torchrun --standalone --nproc-per-node N`. */
export function launchCommand(setExitCode: (code: number) => void): Command {
  return schedulerOptions(
    addDistributedOptions(
      new Command('launch')
        .description('Train with N local worker processes and the coordinator in this process (or, with --from-env, as one process of a scheduled job).')
        .argument('<pipeline>', 'pipeline file, e.g. pipelines/fashion-vae.ts')
        .option('--workers <n>', 'number of local worker processes (default 1, or one per --gpus id)', positiveInt)
        .option('--gpus <ids>', 'one worker per GPU, e.g. 0,1: each gets CUDA_VISIBLE_DEVICES=<id> (tfjs-node-gpu) and GANGLION_GPU=<id> (webgpu adapter index)', gpuList)
        .option('--from-env', 'read RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT or SLURM_PROCID/SLURM_NTASKS (same as `ganglion run`)'),
    ),
  ).action(async (pipelineFile: string, flags: LaunchFlags) => {
    atomicMarkingForLargeMessages(); // the coordinator (star gradients) runs in this process
    setExitCode(flags.fromEnv === true ? await runFromEnv(pipelineFile, flags) : await launch(pipelineFile, flags));
  });
}

/** `ganglion run <pipeline>`: one process of a job started by srun, torchrun-style variables or a Kubernetes Indexed Job. */
export function runCommand(setExitCode: (code: number) => void): Command {
  return schedulerOptions(
    addDistributedOptions(
      new Command('run')
        .description('Run as one process of a scheduled job: process 0 coordinates and trains, the others train (RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT or SLURM).')
        .argument('<pipeline>', 'pipeline file, e.g. pipelines/fashion-vae.ts'),
    ),
  ).action(async (pipelineFile: string, flags: LaunchFlags) => {
    atomicMarkingForLargeMessages(); // a worker (and on process 0 the coordinator) runs in this process
    setExitCode(await runFromEnv(pipelineFile, flags));
  });
}

function schedulerOptions(command: Command): Command {
  return addCurveOptions(command)
    .addOption(backendOption('compute backend of the workers'))
    .option('--bind-host <host>', 'scheduled jobs: interface the coordinator and ring sockets bind', '0.0.0.0')
    .option('--advertise-host <host>', "scheduled jobs: this machine's address for other workers (default: first external IPv4)")
    .option('--coordinator-host <host>', 'scheduled jobs: host of process 0 (default MASTER_ADDR or SLURM_LAUNCH_NODE_IPADDR)')
    .option('--connect-timeout <seconds>', 'scheduled jobs: how long other processes wait for process 0', positiveSeconds, 300);
}

async function launch(pipelineFile: string, flags: LaunchFlags): Promise<number> {
  const workers = flags.workers ?? flags.gpus?.length ?? 1;
  return withInterrupts(async (signal) => {
    const { result, paths } = await launchLocalJob({
      ...jobOptionsOf(pipelineFile, flags),
      workers,
      gpus: flags.gpus,
      backend: flags.backend,
      ...elasticOf(flags),
      workerCommand: workerCommand(),
      signal,
      ...launchCurve(flags, workers),
    });
    process.stdout.write(describeRun(result, paths));
  });
}

async function runFromEnv(pipelineFile: string, flags: LaunchFlags): Promise<number> {
  return withInterrupts(async (signal) => {
    const run = await runScheduledJob({
      ...jobOptionsOf(pipelineFile, flags),
      env: process.env,
      coordinatorHost: flags.coordinatorHost,
      bindHost: flags.bindHost,
      advertiseHost: flags.advertiseHost,
      backend: flags.backend,
      resume: flags.resume,
      connectTimeoutMs: flags.connectTimeout * 1000,
      workerCommand: workerCommand(),
      signal,
      curve: scheduledCurve(flags),
    });
    if (run.role === 'coordinator') process.stdout.write(describeRun(run.result, run.paths));
    else process.stdout.write(`Process ${run.placement.rank} of ${run.placement.worldSize} (${run.placement.scheduler}): worker rank ${run.worker.rank} trained ${run.worker.steps} steps.\n`);
  });
}
