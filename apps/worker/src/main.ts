import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { buildWorkerCommand, withThreadsFlag } from '@ganglion/pipeline';

/**
 * Entry point of a worker process (`ganglion worker ...` runs the same
 * command). Resolves to the process exit code. Run directly with
 * `npx tsx apps/worker/src/main.ts worker --connect tcp://HOST:5555`.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const program = withThreadsFlag(new Command('ganglion-worker').exitOverride().showHelpAfterError());
  program.addCommand(buildWorkerCommand((code) => (exitCode = code)).exitOverride(), { isDefault: true });
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
}

if (require.main === module) {
  main(process.argv).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
