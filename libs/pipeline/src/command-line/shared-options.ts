import { Option } from 'commander';
import { BACKEND_NAMES } from '@ganglion/models';

/** `--backend <name>`: the compute backend (`auto`, or one of BACKEND_NAMES), declared once for every command. */
export function backendOption(description = 'compute backend'): Option {
  return new Option('--backend <name>', description).choices(['auto', ...BACKEND_NAMES]).default('auto');
}

/** `--log-format pretty|json`, declared once for every command. */
export function logFormatOption(description = 'log lines for people or machines'): Option {
  return new Option('--log-format <format>', description).choices(['pretty', 'json']).default('pretty');
}
