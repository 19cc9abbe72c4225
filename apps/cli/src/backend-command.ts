import { Command } from 'commander';
import { selectBackend, type RequestedBackend } from '@ganglion/models';
import { backendOption } from '@ganglion/pipeline';

interface BackendFlags {
  backend: RequestedBackend;
  json: boolean;
}

/**
 * `ganglion backend [--backend webgpu] [--json]`: chooses the compute
 * backend exactly as a worker started here would (same environment:
 * GANGLION_GPU, GANGLION_WASM_THREADS, DAWNNODE_BACKEND, EGL_PLATFORM) and
 * prints its choice and why, including the GPU adapter on webgpu. Exit 1
 * when a named backend cannot start.
 */
export function backendCommand(setExitCode: (code: number) => void): Command {
  return new Command('backend')
    .description('Show the compute backend a worker started here would use, and why (the GPU adapter on webgpu).')
    .addOption(backendOption('backend to try'))
    .option('--json', 'print the choice as one JSON object', false)
    .action(async (flags: BackendFlags) => {
      const choice = await selectBackend({ requested: flags.backend });
      process.stdout.write(flags.json ? `${JSON.stringify(choice)}\n` : `backend ${choice.name}: ${choice.reason}\n`);
      setExitCode(0);
    });
}
