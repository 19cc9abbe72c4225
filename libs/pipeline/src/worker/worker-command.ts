import { Command, InvalidArgumentError } from 'commander';
import { atomicMarkingForLargeMessages, readCurveKeyPair, readPublicKey } from '@ganglion/comm';
import { backendOption, logFormatOption } from '../command-line/shared-options';
import { setOption } from '../command-line/set-option';
import type { SetOverride } from '../set-overrides';
import { runDistributedWorker } from './distributed-worker';
import { endpointArgument } from '../command-line/option-parsers';
import { watchLauncher } from '../watch-launcher';

interface WorkerFlags {
  connect: string;
  set?: SetOverride[];
  backend: 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
  ringBind?: string;
  advertiseHost?: string;
  connectTimeout: number;
  workerId?: string;
  logFormat: 'pretty' | 'json';
  curveSecret?: string;
  coordinatorKey?: string;
  coordinatorTimeout: number;
  waitForCoordinator?: boolean | number;
}

/**
 * `ganglion worker [pipeline] --connect tcp://HOST:5555`: one worker process
 * of a data-parallel job. Without a pipeline argument it trains the file
 * the coordinator names (same code, same path on every machine).
 */
export function buildWorkerCommand(setExitCode: (code: number) => void): Command {
  return new Command('worker')
    .description('Join a data-parallel job as one worker process.')
    .argument('[pipeline]', "this machine's copy of the pipeline file (default: the coordinator's path)")
    .requiredOption('--connect <endpoint>', "the coordinator's endpoint, e.g. tcp://10.0.0.1:5555", endpointArgument('connect'))
    .addOption(setOption())
    .addOption(backendOption())
    .option('--ring-bind <endpoint>', 'where the ring socket binds (default tcp://127.0.0.1:* for a local coordinator, else tcp://0.0.0.0:*)', endpointArgument('bind'))
    .option('--advertise-host <host>', 'address other workers reach this one at (default: the first external IPv4 when binding 0.0.0.0)')
    .option('--connect-timeout <seconds>', 'give up when no coordinator answers within this time', seconds, 30)
    .option('--worker-id <id>', 'stable worker id (default <host>-<pid>)')
    .option('--coordinator-timeout <seconds>', 'the coordinator counts as gone after this long without a heartbeat', seconds, 120)
    .option('--wait-for-coordinator [seconds]', 'when the coordinator is gone, wait this long (default 600) for it to come back and rejoin, instead of exiting', seconds)
    .addOption(logFormatOption())
    .option('--curve-secret <file>', "CURVE: this worker's secret key file (`ganglion keygen`; the .pub beside it must be on the coordinator's --allow list)")
    .option('--coordinator-key <file>', "CURVE: the coordinator's public key file (its .pub)")
    .action(async (pipelineFile: string | undefined, flags: WorkerFlags) => {
      if ((flags.curveSecret === undefined) !== (flags.coordinatorKey === undefined)) {
        process.stderr.write('CURVE needs both --curve-secret <file> and --coordinator-key <file> (create keys with `ganglion keygen`).\n');
        setExitCode(2);
        return;
      }
      atomicMarkingForLargeMessages(); // gradient frames are megabytes: see its comment
      // Started by `launch`/`run`: exit as soon as the launcher is gone (however it died), instead of waiting out --coordinator-timeout.
      watchLauncher(process.env, process.stdin, (launcherPid) => {
        process.stderr.write(`The launcher (pid ${launcherPid}) that started this worker is gone; exiting.\n`);
        process.exit(1);
      });
      const curve =
        flags.curveSecret === undefined || flags.coordinatorKey === undefined
          ? undefined
          : { keyPair: readCurveKeyPair(flags.curveSecret), serverKey: readPublicKey(flags.coordinatorKey) };
      const result = await runDistributedWorker({
        curve,
        connect: flags.connect,
        pipelineFile,
        sets: flags.set,
        backend: flags.backend,
        ringBind: flags.ringBind,
        advertiseHost: flags.advertiseHost,
        connectTimeoutMs: flags.connectTimeout * 1000,
        silenceTimeoutMs: flags.coordinatorTimeout * 1000,
        waitForCoordinatorMs: flags.waitForCoordinator === undefined || flags.waitForCoordinator === false ? undefined : flags.waitForCoordinator === true ? 600_000 : flags.waitForCoordinator * 1000,
        workerId: flags.workerId,
        logFormat: flags.logFormat,
      });
      process.stdout.write(`Worker rank ${result.rank} of ${result.worldSize} trained ${result.steps} steps; coordinator: ${result.shutdownReason}.\n`);
      setExitCode(0);
    });
}

function seconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError(`expected a positive number of seconds, got "${value}"`);
  return parsed;
}
