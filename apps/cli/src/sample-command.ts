import * as path from 'node:path';
import { Command } from 'commander';
import { backendOption, createLogger, drawSampleGrid, loadCheckpointModel, logFormatOption, nonNegativeInt, positiveInt } from '@ganglion/pipeline';

interface SampleFlags {
  n: number;
  out: string;
  seed: number;
  columns?: number;
  pipeline?: string;
  backend: 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
  logFormat: 'pretty' | 'json';
}

/** `ganglion sample <checkpoint> --n 64 --out grid.png [--seed S]`: a PNG grid of images drawn from a trained checkpoint. */
export function sampleCommand(setExitCode: (code: number) => void): Command {
  return new Command('sample')
    .description('Draw images from a trained checkpoint and write them as one PNG grid.')
    .argument('<checkpoint>', 'a checkpoint folder (runs/<name>/<timestamp>/checkpoints/step-*), or a run folder or its checkpoints folder (newest valid checkpoint)')
    .option('--n <count>', 'number of images', positiveInt, 64)
    .option('--out <file>', 'PNG file to write', 'samples.png')
    .option('--seed <n>', 'seed of the draw: the same seed draws the same images', nonNegativeInt, 0)
    .option('--columns <n>', 'images per row (default: a square grid)', positiveInt)
    .option('--pipeline <file>', 'pipeline file to rebuild the model from (default: the one the checkpoint records)')
    .addOption(backendOption())
    .addOption(logFormatOption('warnings for people or machines'))
    .action(async (target: string, flags: SampleFlags) => {
      const logger = createLogger({ format: flags.logFormat, level: 'warn' });
      const { model, checkpoint, backend } = await loadCheckpointModel({ target, pipelineFile: flags.pipeline, backend: flags.backend, logger });
      try {
        const grid = await drawSampleGrid(model, { count: flags.n, seed: flags.seed, file: path.resolve(flags.out), columns: flags.columns });
        process.stdout.write(
          `Wrote ${grid.file}: ${flags.n} images from ${model.name} at step ${checkpoint.state.step} ` +
            `(${checkpoint.folder}), seed ${flags.seed}, ${grid.width}x${grid.height} pixels, backend ${backend.name}.\n`,
        );
      } finally {
        model.dispose();
      }
      setExitCode(0);
    });
}
