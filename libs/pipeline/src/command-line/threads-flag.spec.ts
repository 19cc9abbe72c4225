import { Command } from 'commander';
import { withThreadsFlag } from './threads-flag';

describe('withThreadsFlag (--threads)', () => {
  function program(env: NodeJS.ProcessEnv, ran: string[]): Command {
    const root = withThreadsFlag(new Command('ganglion').exitOverride(), env);
    root.command('launch').argument('<pipeline>').exitOverride().configureOutput({ writeErr: () => undefined }).action((pipeline: string) => {
      ran.push(`${pipeline} threads=${env['GANGLION_WASM_THREADS'] ?? 'unset'}`);
    });
    root.configureOutput({ writeErr: () => undefined });
    return root;
  }

  it('passes --threads on as GANGLION_WASM_THREADS before the subcommand runs, before or after its name', async () => {
    for (const argv of [['--threads', '2', 'launch', 'p.ts'], ['launch', 'p.ts', '--threads', '2']]) {
      const env: NodeJS.ProcessEnv = {};
      const ran: string[] = [];
      await program(env, ran).parseAsync(argv, { from: 'user' });
      expect(ran).toEqual(['p.ts threads=2']);
    }
  });

  it('leaves the environment alone without the flag', async () => {
    const env: NodeJS.ProcessEnv = {};
    const ran: string[] = [];
    await program(env, ran).parseAsync(['launch', 'p.ts'], { from: 'user' });
    expect(ran).toEqual(['p.ts threads=unset']);
  });

  it('refuses a count outside 1..8 with a message naming the flag', async () => {
    await expect(program({}, []).parseAsync(['--threads', '0', 'launch', 'p.ts'], { from: 'user' })).rejects.toThrow(
      /--threads must be a whole number of WASM threads from 1 to 8, got '0'/,
    );
  });
});
