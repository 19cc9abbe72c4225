import { Command } from 'commander';
import { writeCurveKeyPair } from '@ganglion/comm';

interface KeygenFlags {
  out: string;
  name: string;
}

/** `ganglion keygen --out <dir> [--name worker-1]`: a CURVE key pair for `--curve-secret`, `--allow` and `--coordinator-key`. */
export function keygenCommand(setExitCode: (code: number) => void): Command {
  return new Command('keygen')
    .description('Create a CURVE key pair: <name>.key (secret, mode 0600) and <name>.pub (public); prints the public key.')
    .requiredOption('--out <dir>', 'folder for the key files (created if missing)')
    .option('--name <name>', 'file name of the pair, e.g. coordinator or worker-1', 'ganglion')
    .action((flags: KeygenFlags) => {
      const files = writeCurveKeyPair(flags.out, flags.name);
      process.stdout.write(`${files.publicKey}\n`);
      process.stderr.write(`Wrote ${files.secretFile} (secret, keep private) and ${files.publicFile} (public).\n`);
      setExitCode(0);
    });
}
