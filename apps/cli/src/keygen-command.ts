import * as path from 'node:path';
import { Command } from 'commander';
import { writeCurveKeyPair } from '@ganglion/comm';
import { positiveInt } from '@ganglion/pipeline';

interface KeygenFlags {
  out: string;
  name: string;
  workers?: number;
}

/**
 * `ganglion keygen --out <dir> [--name worker-1]`: a CURVE key pair for
 * `--curve-secret`, `--allow` and `--coordinator-key`. With `--workers N`:
 * the keys of a whole job, `<dir>/coordinator.{key,pub}` and
 * `<dir>/workers/worker-<i>.{key,pub}` for i = 0..N-1, the layout
 * `--curve-keys <dir>` of `launch` and `run` reads.
 */
export function keygenCommand(setExitCode: (code: number) => void): Command {
  return new Command('keygen')
    .description('Create a CURVE key pair: <name>.key (secret, mode 0600) and <name>.pub (public); prints the public key. --workers N: a whole job\'s keys.')
    .requiredOption('--out <dir>', 'folder for the key files (created if missing)')
    .option('--name <name>', 'file name of the pair, e.g. coordinator or worker-1', 'ganglion')
    .option('--workers <n>', "a job's keys: <out>/coordinator and <out>/workers/worker-0 .. worker-<n-1> (for --curve-keys <out>)", positiveInt)
    .action((flags: KeygenFlags) => {
      if (flags.workers === undefined) {
        const files = writeCurveKeyPair(flags.out, flags.name);
        process.stdout.write(`${files.publicKey}\n`);
        process.stderr.write(`Wrote ${files.secretFile} (secret, keep private) and ${files.publicFile} (public).\n`);
        setExitCode(0);
        return;
      }
      const coordinator = writeCurveKeyPair(flags.out, 'coordinator');
      process.stdout.write(`coordinator ${coordinator.publicKey}\n`);
      const workersDir = path.join(flags.out, 'workers');
      for (let index = 0; index < flags.workers; index++) {
        process.stdout.write(`worker-${index} ${writeCurveKeyPair(workersDir, `worker-${index}`).publicKey}\n`);
      }
      process.stderr.write(
        `Wrote ${coordinator.secretFile} and ${flags.workers} worker key pair${flags.workers === 1 ? '' : 's'} in ${workersDir} (*.key secret, keep private; *.pub public).\n` +
          `Use them with: ganglion launch <pipeline> --workers ${flags.workers} --curve-keys ${flags.out}\n`,
      );
      setExitCode(0);
    });
}
