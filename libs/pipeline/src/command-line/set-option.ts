import { InvalidArgumentError, Option } from 'commander';
import { parseSetOverride, type SetOverride } from '../set-overrides';

/**
 * `--set key.path=value`, repeatable: overrides any field of the pipeline's
 * definition (`--set optimizer.learningRate=1e-3 --set
 * dataset.options.source=/data/fashion-mnist`). Values are JSON where they
 * parse as JSON, else text. Collected in order as `flags.set`.
 */
export function setOption(): Option {
  return new Option('--set <key.path=value>', 'override any pipeline field, e.g. --set optimizer.learningRate=1e-3 (repeatable; validated like the file)')
    .argParser((text: string, previous: SetOverride[] | undefined) => {
      try {
        return [...(previous ?? []), parseSetOverride(text)];
      } catch (error) {
        throw new InvalidArgumentError((error as Error).message);
      }
    });
}
