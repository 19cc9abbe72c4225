import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { coordinatorCommand, launchCommand, runCommand } from '@ganglion/coordinator';
import { addPipelineOverrideOptions, backendOption, buildWorkerCommand, formatLosses, logFormatOption, nonFiniteOption, nonNegativeInt, positiveInt, type SetOverride, trainInProcess, withThreadsFlag } from '@ganglion/pipeline';
import { backendCommand } from './backend-command';
import { exportCommand } from './export-command';
import { keygenCommand } from './keygen-command';
import { sampleCommand } from './sample-command';

/** Builds the `ganglion` command line. Each action resolves to an exit code. */
export function buildCli(setExitCode: (code: number) => void): Command {
  const program = withThreadsFlag(
    new Command('ganglion')
      .description('Train generative image models with TensorFlow.js, data-parallel over ZeroMQ.')
      .version(ganglionVersion(), '-V, --version', 'print the version of Ganglion')
      .showHelpAfterError()
      .exitOverride(),
  );

  addPipelineOverrideOptions(
    program.command('train').description('Train a pipeline in this process (no workers).').argument('<pipeline>', 'pipeline file, e.g. pipelines/fashion-vae.ts'),
  )
    .option('--checkpoint-every <n>', 'write a checkpoint every n steps (0: only at the end)', nonNegativeInt)
    .option('--keep-checkpoints <n>', 'keep the newest n checkpoints (default 3)', positiveInt)
    .addOption(nonFiniteOption())
    .option('--resume [dir]', 'continue from a checkpoint: a run folder, a checkpoints/step-* folder, or (no dir) the newest run under --out')
    .addOption(backendOption())
    .addOption(logFormatOption())
    .option('--out <dir>', 'folder for runs/<name>/<timestamp>', 'runs')
    .addOption(
      new Option('--progress <mode>', 'a live bar, a log line every --log-every steps, or auto (bar on a terminal with pretty logs)')
        .choices(['auto', 'bar', 'lines'])
        .default('auto'),
    )
    .action(async (pipelineFile: string, flags: TrainFlags) => {
      const { summary, paths } = await trainInProcess({
        pipelineFile,
        outputDir: flags.out,
        backend: flags.backend,
        logFormat: flags.logFormat,
        progress: flags.progress,
        resume: flags.resume,
        sets: flags.set,
        overrides: {
          steps: flags.steps,
          batchSize: flags.batchSize,
          seed: flags.seed,
          sampleEvery: flags.sampleEvery,
          logEvery: flags.logEvery,
          checkpointEvery: flags.checkpointEvery,
          keepCheckpoints: flags.keepCheckpoints,
          nonFiniteGradients: flags.nonFinite,
        },
      });
      const losses = (record: Record<string, number>) => formatLosses(record, { assign: ' ', separator: ', ' });
      process.stdout.write(
        `\nTrained ${summary.steps} steps, ${summary.medianStepMs.toFixed(0)} ms/step (median).\n` +
          `Loss at the start: ${losses(summary.firstLosses)}; at the end: ${losses(summary.finalLosses)}.\n` +
          `Sample grids: ${paths.samples} (latest: ${summary.samples.at(-1) ?? 'none'})\n` +
          `Metrics: ${paths.metrics}\n` +
          `Checkpoints: ${paths.checkpoints} (latest: ${summary.checkpoints.at(-1) ?? 'none'})\n`,
      );
      setExitCode(0);
    });

  for (const command of [launchCommand, coordinatorCommand, buildWorkerCommand, runCommand, sampleCommand, exportCommand, keygenCommand, backendCommand]) {
    program.addCommand(command(setExitCode).copyInheritedSettings(program));
  }
  return program;
}

/** The version in the workspace's package.json (the `ganglion` package). */
function ganglionVersion(): string {
  const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version?: string };
  return manifest.version ?? 'unknown';
}

interface TrainFlags {
  set?: SetOverride[];
  steps?: number;
  batchSize?: number;
  seed?: number;
  sampleEvery?: number;
  logEvery?: number;
  checkpointEvery?: number;
  keepCheckpoints?: number;
  nonFinite?: 'skip' | 'stop';
  resume?: boolean | string;
  backend: 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
  logFormat: 'pretty' | 'json';
  out: string;
  progress: 'auto' | 'bar' | 'lines';
}
