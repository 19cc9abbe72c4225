import { createHash } from 'node:crypto';
import { type PipelineDefinition, type PipelineSpec, PipelineValidationError, withOverrides } from './pipeline-definition';

/** One `--set key.path=value` from the command line. */
export interface SetOverride {
  /** The field's path in the pipeline definition, e.g. ['optimizer', 'learningRate']. */
  readonly path: readonly string[];
  /** The value: JSON where the text parses as JSON (numbers, booleans, arrays, quoted strings), else the text itself. */
  readonly value: unknown;
  /** The flag's text, `optimizer.learningRate=1e-3`, for logs and the run's pipeline.json. */
  readonly text: string;
}

/**
 * Fields that change when and what a run writes, not what it trains: an
 * override of one of them leaves the pipeline hash alone. Every other
 * override is part of the hash that workers must agree on.
 */
const CADENCE_FIELDS = new Set(['sampleEvery', 'sampleCount', 'logEvery', 'checkpointEvery', 'keepCheckpoints', 'distributed.checksumEvery', 'distributed.stepWindow']);

/** Fields that hold code, which a command line cannot give. */
const CODE_FIELDS = new Set(['model.type', 'dataset.type', 'overrides', 'kind']);

/** Parses `--set a.b=value`; throws, saying what to write, on text without `=` or a path. */
export function parseSetOverride(text: string): SetOverride {
  const equals = text.indexOf('=');
  const key = equals < 0 ? '' : text.slice(0, equals).trim();
  const path = key.split('.');
  if (equals < 0 || key === '' || path.some((part) => part === '')) {
    throw new PipelineValidationError('(command line)', [
      `--set ${text}: expected key.path=value, e.g. --set optimizer.learningRate=1e-3 or --set dataset.options.source=/data/fashion-mnist`,
    ]);
  }
  return { path, value: parseValue(text.slice(equals + 1)), text };
}

/**
 * Applies `--set` overrides to a pipeline, in order, and validates the
 * result with the pipeline's schema (and the model's and dataset's own
 * option schemas): an error names each bad field's path and the flag.
 */
export function applySetOverrides(definition: PipelineDefinition, overrides: readonly SetOverride[]): PipelineDefinition {
  if (overrides.length === 0) return definition;
  let spec: Record<string, unknown> = { ...definition.spec };
  for (const override of overrides) {
    const dotted = override.path.join('.');
    if (CODE_FIELDS.has(dotted)) {
      throw new PipelineValidationError(definition.settings.name, [`--set ${override.text}: ${dotted} is code, not a setting; change it in the pipeline file`]);
    }
    spec = setIn(spec, override.path, override.value, override.text, definition.settings.name);
  }
  try {
    return withOverrides(definition, spec as Partial<PipelineSpec>);
  } catch (error) {
    if (!(error instanceof PipelineValidationError)) throw error;
    const flags = overrides.map((override) => `--set ${override.text}`).join(' ');
    throw new PipelineValidationError(error.pipelineName, error.problems.map((problem) => `${problem} [${flags}]`));
  }
}

/**
 * The pipeline hash workers compare: the file's sha256 alone without
 * training-relevant overrides, else the sha256 of the file's hash and
 * those overrides in order. Cadence-only overrides (log, sample, checkpoint
 * and checksum intervals) do not change it.
 */
export function pipelineHashWith(fileHash: string, overrides: readonly SetOverride[]): string {
  const training = overrides.filter((override) => !CADENCE_FIELDS.has(override.path.join('.')));
  if (training.length === 0) return fileHash;
  const canonical = JSON.stringify(training.map((override) => [override.path.join('.'), override.value]));
  return createHash('sha256').update(fileHash).update('\n--set ').update(canonical).digest('hex');
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function setIn(target: Record<string, unknown>, path: readonly string[], value: unknown, text: string, name: string): Record<string, unknown> {
  const [head, ...rest] = path;
  if (rest.length === 0) return { ...target, [head]: value };
  const current = target[head] ?? {};
  if (typeof current !== 'object' || current === null || Array.isArray(current)) {
    throw new PipelineValidationError(name, [`--set ${text}: ${head} is ${JSON.stringify(current)}, not an object with fields; set ${head} itself`]);
  }
  return { ...target, [head]: setIn(current as Record<string, unknown>, rest, value, text, name) };
}
