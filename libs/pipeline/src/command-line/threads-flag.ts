import { type Command, InvalidArgumentError, Option } from 'commander';
import { MAX_WASM_THREADS, parseWasmThreads, WASM_THREADS_ENV } from '@ganglion/models';

/**
 * `--threads <n>`: threads of the WASM backend in each process (default 1).
 * Above 1 it starts tfjs's multi-threaded WASM build; worth it only where a
 * process has cores to itself (with N workers on N cores, keep 1).
 */
export function threadsOption(): Option {
  return new Option('--threads <n>', `WASM backend threads per process, 1-${MAX_WASM_THREADS} (default 1; more only where cores outnumber workers)`).argParser(
    (value: string) => {
      try {
        return parseWasmThreads(value, '--threads');
      } catch (error) {
        throw new InvalidArgumentError((error as Error).message);
      }
    },
  );
}

/**
 * Adds `--threads` to a program and, before any subcommand runs, passes it
 * on as GANGLION_WASM_THREADS, which selectBackend reads and which the
 * workers a launcher starts inherit.
 */
export function withThreadsFlag(program: Command, env: NodeJS.ProcessEnv = process.env): Command {
  return program.addOption(threadsOption()).hook('preAction', (command) => {
    const threads = command.opts<{ threads?: number }>().threads;
    if (threads !== undefined) env[WASM_THREADS_ENV] = String(threads);
  });
}
