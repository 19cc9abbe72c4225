import { Command } from 'commander';
import { backendOption, createLogger, exportWebSampler, loadCheckpointModel, logFormatOption, positiveInt } from '@ganglion/pipeline';

interface ExportFlags {
  out: string;
  n: number;
  pipeline?: string;
  backend: 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
  logFormat: 'pretty' | 'json';
}

/** `ganglion export <checkpoint> --out web/`: the sampling network as a tfjs LayersModel plus a static page that draws from it. */
export function exportCommand(setExitCode: (code: number) => void): Command {
  return new Command('export')
    .description(
      'Write the generator (DCGAN), decoder (ConvVAE) or row network (RowLSTM) of a checkpoint as a tfjs LayersModel, ' +
        'with a static page (index.html, sampler.js, tf.min.js) that draws new samples in the browser.',
    )
    .argument('<checkpoint>', 'a checkpoint folder (runs/<name>/<timestamp>/checkpoints/step-*), or a run folder or its checkpoints folder (newest valid checkpoint)')
    .requiredOption('--out <dir>', 'folder for the page and the model (created if missing)')
    .option('--n <count>', 'images drawn per press of the button', positiveInt, 64)
    .option('--pipeline <file>', 'pipeline file to rebuild the model from (default: the one the checkpoint records)')
    .addOption(backendOption())
    .addOption(logFormatOption('warnings for people or machines'))
    .action(async (target: string, flags: ExportFlags) => {
      const logger = createLogger({ format: flags.logFormat, level: 'warn' });
      const { model, checkpoint } = await loadCheckpointModel({ target, pipelineFile: flags.pipeline, backend: flags.backend, logger });
      try {
        const exported = await exportWebSampler(model, {
          outDir: flags.out,
          count: flags.n,
          pipeline: checkpoint.state.pipeline.name,
          step: checkpoint.state.step,
        });
        const { info } = exported;
        process.stdout.write(
          `Exported the ${info.network} of ${info.model} at step ${info.step} (${checkpoint.folder}) to ${exported.outDir}: ` +
            `${exported.files.join(', ')}.\n` +
            `Serve the folder over http and open index.html, e.g. python3 -m http.server --directory ${flags.out} 8000\n`,
        );
      } finally {
        model.dispose();
      }
      setExitCode(0);
    });
}
