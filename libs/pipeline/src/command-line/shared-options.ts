import { type Command, Option } from 'commander';
import { BACKEND_NAMES } from '@ganglion/models';
import { nonNegativeInt, positiveInt } from './option-parsers';
import { setOption } from './set-option';

/** `--backend <name>`: the compute backend (`auto`, or one of BACKEND_NAMES), declared once for every command. */
export function backendOption(description = 'compute backend'): Option {
  return new Option('--backend <name>', description).choices(['auto', ...BACKEND_NAMES]).default('auto');
}

/** `--log-format pretty|json`, declared once for every command. */
export function logFormatOption(description = 'log lines for people or machines'): Option {
  return new Option('--log-format <format>', description).choices(['pretty', 'json']).default('pretty');
}

/**
 * The pipeline overrides every training command takes, declared once:
 * `--set`, `--steps`, `--batch-size`, `--seed`, `--sample-every`, `--log-every`.
 */
export function addPipelineOverrideOptions(command: Command, batchSizeHelp = 'global batch size (overrides the pipeline)'): Command {
  return command
    .addOption(setOption())
    .option('--steps <n>', 'number of steps (overrides the pipeline)', positiveInt)
    .option('--batch-size <n>', batchSizeHelp, positiveInt)
    .option('--seed <n>', 'seed of data order and noise (overrides the pipeline)', nonNegativeInt)
    .option('--sample-every <n>', 'write a sample grid every n steps', nonNegativeInt)
    .option('--log-every <n>', 'log a progress line every n steps', positiveInt);
}
