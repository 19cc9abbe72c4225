import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { coordinatorCommand } from '@ganglion/coordinator';
import { withThreadsFlag } from '@ganglion/pipeline';

/**
 * Entry point of a coordinator process (`ganglion coordinator ...` runs the
 * same command). Resolves to the process exit code. Run directly with
 * `npx tsx apps/coordinator/src/main.ts coordinator <pipeline> --workers N`.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const program = withThreadsFlag(new Command('ganglion-coordinator').exitOverride().showHelpAfterError());
  program.addCommand(coordinatorCommand((code) => (exitCode = code)).exitOverride(), { isDefault: true });
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
