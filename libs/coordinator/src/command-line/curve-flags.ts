import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { publicKeyFileFor, readAllowList, readCurveKeyPair } from '@ganglion/comm';
import type { DistributedCoordinatorOptions } from '../distributed-coordinator';
import type { LocalWorkerCurve } from '../launch/local-launch';
import type { ScheduledRunCurve } from '../launch/scheduled-run';

/** The CURVE flags of `launch` and `run`: those of `coordinator` and `worker`, plus a folder that holds them all. */
export interface CurveFlags {
  /** A folder from `ganglion keygen --out <dir> --workers N`. */
  curveKeys?: string;
  /** The coordinator's secret key file (as `coordinator --curve-secret`). */
  curveSecret?: string;
  /** Public keys allowed to join (as `coordinator --allow`). */
  allow?: string;
  /** The coordinator's public key file (as `worker --coordinator-key`). */
  coordinatorKey?: string;
  /** The workers' secret keys: a file, or a folder of `*.key` (as `worker --curve-secret`). */
  workerSecret?: string;
}

export function addCurveOptions(command: Command): Command {
  return command
    .option('--curve-keys <dir>', 'CURVE for every socket, from `ganglion keygen --out <dir> --workers N`: <dir>/coordinator.key, <dir>/workers/*.key')
    .option('--curve-secret <file>', "CURVE: the coordinator's secret key file (the .pub beside it)")
    .option('--allow <file-or-dir>', 'CURVE: public keys allowed to join, a file with one key per line or a folder of *.pub files (default: the workers\' keys)')
    .option('--coordinator-key <file>', "CURVE: the coordinator's public key file (default: the .pub beside --curve-secret)")
    .option('--worker-secret <file-or-dir>', "CURVE: the workers' secret keys, a file or a folder of *.key (launch: one per local worker, in name order; run: worker-<RANK>.key)");
}

/** Whether any CURVE flag was given. */
export function curveRequested(flags: CurveFlags): boolean {
  return [flags.curveKeys, flags.curveSecret, flags.allow, flags.coordinatorKey, flags.workerSecret].some((flag) => flag !== undefined);
}

/** The flags with `--curve-keys <dir>` filled in where no explicit flag was given. */
function resolved(flags: CurveFlags): CurveFlags {
  const dir = flags.curveKeys;
  if (dir === undefined) return flags;
  if (!fs.existsSync(dir)) throw new CurveFlagError(`--curve-keys ${dir} does not exist; create it with \`ganglion keygen --out ${dir} --workers <n>\`.`);
  return {
    curveSecret: flags.curveSecret ?? path.join(dir, 'coordinator.key'),
    allow: flags.allow ?? path.join(dir, 'workers'),
    coordinatorKey: flags.coordinatorKey ?? path.join(dir, 'coordinator.pub'),
    workerSecret: flags.workerSecret ?? path.join(dir, 'workers'),
  };
}

/** `launch`: the coordinator's keys and the local workers' key files, or undefined without CURVE flags. Throws saying which flag is missing. */
export function launchCurve(flags: CurveFlags, workers: number): Pick<DistributedCoordinatorOptions, 'curve'> & { workerCurve?: LocalWorkerCurve } {
  if (!curveRequested(flags)) return {};
  const { curveSecret, allow, coordinatorKey, workerSecret } = resolved(flags);
  if (curveSecret === undefined || workerSecret === undefined) {
    throw new CurveFlagError(
      'CURVE on launch needs the coordinator\'s and the workers\' secret keys: --curve-secret <file> and --worker-secret <file-or-dir>, or --curve-keys <dir> from `ganglion keygen --out <dir> --workers N`.',
    );
  }
  const secretKeyFiles = secretKeyFilesIn(workerSecret);
  return {
    curve: { keyPair: readCurveKeyPair(curveSecret), allow: readAllowList(allow ?? (isFolder(workerSecret) ? workerSecret : publicKeyFileFor(workerSecret))) },
    workerCurve: { secretKeyFiles: secretKeyFiles.slice(0, workers), coordinatorKeyFile: coordinatorKey ?? publicKeyFileFor(curveSecret) },
  };
}

/** `run`: the key files of a scheduled job, or undefined without CURVE flags. */
export function scheduledCurve(flags: CurveFlags): ScheduledRunCurve | undefined {
  if (!curveRequested(flags)) return undefined;
  const { curveSecret, allow, coordinatorKey, workerSecret } = resolved(flags);
  if (workerSecret === undefined) {
    throw new CurveFlagError("CURVE on run needs this process's worker key: --worker-secret <file-or-dir>, or --curve-keys <dir> from `ganglion keygen --out <dir> --workers N`.");
  }
  return { coordinatorSecretFile: curveSecret, allow, coordinatorKeyFile: coordinatorKey, workerSecret };
}

function isFolder(file: string): boolean {
  return fs.existsSync(file) && fs.statSync(file).isDirectory();
}

/** A secret key file, or the `*.key` files of a folder in name order. */
function secretKeyFilesIn(fileOrDir: string): string[] {
  if (!fs.existsSync(fileOrDir)) throw new CurveFlagError(`--worker-secret ${fileOrDir} does not exist; create keys with \`ganglion keygen --out <dir> --workers <n>\`.`);
  if (!isFolder(fileOrDir)) return [fileOrDir];
  const files = fs
    .readdirSync(fileOrDir)
    .filter((name) => name.endsWith('.key'))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((name) => path.join(fileOrDir, name));
  if (files.length === 0) throw new CurveFlagError(`${fileOrDir} holds no *.key files; create keys with \`ganglion keygen --out <dir> --workers <n>\`.`);
  return files;
}

/** A CURVE flag is missing or names a file that is not there (printed as is by the `ganglion` command). */
export class CurveFlagError extends Error {
  override readonly name = 'CurveFlagError';
}
