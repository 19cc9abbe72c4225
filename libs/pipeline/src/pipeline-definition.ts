import type { ContainerModule } from 'inversify';
import { z } from 'zod';

/**
 * A class plus the options its constructor takes. Pipelines name components
 * this way so that the options stay plain data: they can be printed,
 * hashed and sent to a worker, which builds the same component from them.
 */
export interface ComponentSpec<T, O> {
  readonly type: new (options: O) => T;
  readonly options?: O;
}

/** What a pipeline file passes to `definePipeline`. */
export interface PipelineSpec<M = unknown, MO = any, D = unknown, DO = any> {
  /** Names the run folder: runs/<name>/<timestamp>/. Letters, digits, '-', '_'. */
  readonly name: string;
  /** The model to train, e.g. `{ type: ConvVae, options: { latentDim: 16 } }`. */
  readonly model: ComponentSpec<M, MO>;
  /** The images to train on, e.g. `{ type: FashionMnistDataset, options: { source: 'bundled' } }`. */
  readonly dataset: ComponentSpec<D, DO>;
  /** Optimizer settings merged into the model's options (the model's own defaults otherwise). */
  readonly optimizer?: OptimizerSettings;
  /** Global batch size: the sum over all workers of their local batches. */
  readonly batchSize: number;
  /** Number of optimisation steps. */
  readonly steps: number;
  /** Seed of the data order and of every noise draw. */
  readonly seed?: number;
  /** Write a sample grid every this many steps (and at the end). 0 turns samples off. */
  readonly sampleEvery?: number;
  /** Number of images in each sample grid. */
  readonly sampleCount?: number;
  /** Log a progress line every this many steps. */
  readonly logEvery?: number;
  /** Write a checkpoint every this many steps (0: only at the end). */
  readonly checkpointEvery?: number;
  /** Keep this many of the newest checkpoints; older ones are deleted (default 3). */
  readonly keepCheckpoints?: number;
  /** How workers of a data-parallel run average gradients. */
  readonly distributed?: DistributedSettings;
  /**
   * What to do when an averaged gradient or loss is NaN or Inf after
   * reduction: 'skip' skips that phase's update on every rank with a
   * warning, 'stop' (default) fails the run with an error.
   */
  readonly nonFiniteGradients?: NonFiniteGradientPolicy;
  /**
   * Replaces any component of the run: an inversify ContainerModule loaded
   * after Ganglion's own, typically calling `rebindSync(Token).to(MyClass)`.
   */
  readonly overrides?: ContainerModule;
}

export interface OptimizerSettings {
  /** Adam learning rate. */
  readonly learningRate?: number;
  /** Adam beta1. */
  readonly beta1?: number;
  /** Adam beta2. */
  readonly beta2?: number;
}

/** Default of DistributedSettings.stepWindow: 8 steps per STEP with the ring. */
export const DEFAULT_STEP_WINDOW = 8;

export interface DistributedSettings {
  /** `ring` (reduce-scatter + all-gather between workers, the default) or `star` (through the coordinator). */
  readonly reducer?: 'ring' | 'star';
  /** Send gradient frames as float16: half the bytes, ~3 significant digits. */
  readonly fp16?: boolean;
  /** Largest gradient bucket, in bytes (4 MB by default). */
  readonly bucketBytes?: number;
  /** Compare weight checksums across ranks every this many steps. */
  readonly checksumEvery?: number;
  /**
   * With the ring: steps the coordinator grants per STEP message (the ring
   * itself keeps the ranks in lock-step; the ranks report once per grant
   * and at checksum steps, rank 0's report carrying every step's metrics);
   * a grant ends early at a checkpoint step, and a joining worker is let in
   * at the end of one. 1 gives a STEP every step, as the star always does.
   * Default 8, at most 1000.
   */
  readonly stepWindow?: number;
  /**
   * A reduction that receives nothing for this long, in ms, is a stall:
   * the waiting ranks report it and the coordinator drops the peer that
   * did not deliver, under a new generation (`--reduce-timeout`, seconds).
   * Default 120000.
   */
  readonly reduceTimeoutMs?: number;
}

/** What the Trainer does with a non-finite averaged gradient or loss. */
export type NonFiniteGradientPolicy = 'skip' | 'stop';

/** The plain-data settings of a run, after defaults and command-line overrides. */
export interface PipelineSettings {
  readonly name: string;
  readonly batchSize: number;
  readonly steps: number;
  readonly seed: number;
  readonly sampleEvery: number;
  readonly sampleCount: number;
  readonly logEvery: number;
  readonly checkpointEvery: number;
  readonly keepCheckpoints: number;
  readonly distributed: Required<DistributedSettings>;
  readonly nonFiniteGradients: NonFiniteGradientPolicy;
  readonly modelOptions: Record<string, unknown>;
  readonly datasetOptions: Record<string, unknown>;
}

/** DI token for the resolved settings of the run in this process. */
export const PipelineSettings = Symbol('PipelineSettings');

/** A validated pipeline: what a pipeline file's default export is. */
export interface PipelineDefinition {
  readonly kind: 'ganglion.pipeline';
  readonly spec: PipelineSpec;
  readonly settings: PipelineSettings;
}

const componentSchema = z.object({
  type: z.custom<new (options: unknown) => unknown>((value) => typeof value === 'function', {
    message: 'expected a class (constructor), for example ConvVae',
  }),
  options: z.record(z.string(), z.unknown()).optional(),
});

const positiveInt = z.number().int().positive();
const cadence = z.number().int().nonnegative();

const pipelineSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "-" and "_" only (it names a folder)'),
  model: componentSchema,
  dataset: componentSchema,
  optimizer: z
    .object({
      learningRate: z.number().positive().optional(),
      beta1: z.number().min(0).max(1).optional(),
      beta2: z.number().min(0).max(1).optional(),
    })
    .strict()
    .optional(),
  batchSize: positiveInt,
  steps: positiveInt,
  seed: z.number().int().nonnegative().optional(),
  sampleEvery: cadence.optional(),
  sampleCount: positiveInt.max(1024).optional(),
  logEvery: positiveInt.optional(),
  checkpointEvery: cadence.optional(),
  keepCheckpoints: positiveInt.optional(),
  nonFiniteGradients: z.enum(['skip', 'stop']).optional(),
  distributed: z
    .object({
      reducer: z.enum(['ring', 'star']).optional(),
      fp16: z.boolean().optional(),
      bucketBytes: z.number().int().min(1024).max(64 * 1024 * 1024).optional(),
      checksumEvery: positiveInt.optional(),
      stepWindow: positiveInt.max(1000).optional(),
      reduceTimeoutMs: z.number().positive().optional(),
    })
    .strict()
    .optional(),
  overrides: z
    .custom((value) => typeof value === 'object' && value !== null && 'load' in value, {
      message: 'expected an inversify ContainerModule',
    })
    .optional(),
}).strict();

/** Raised for a pipeline whose options do not validate; names every bad field. */
export class PipelineValidationError extends Error {
  constructor(
    readonly pipelineName: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Pipeline "${pipelineName}" is not valid:\n` +
        problems.map((problem) => `  - ${problem}`).join('\n') +
        '\nFix these fields in the pipeline file (or the matching command-line flags).',
    );
    this.name = 'PipelineValidationError';
  }
}

/**
 * Validates and freezes a pipeline. A pipeline file's default export:
 *
 *     export default definePipeline({
 *       name: 'fashion-vae',
 *       model: { type: ConvVae },
 *       dataset: { type: FashionMnistDataset, options: { source: 'bundled' } },
 *       batchSize: 64,
 *       steps: 1500,
 *     });
 */
export function definePipeline<M, MO, D, DO>(spec: PipelineSpec<M, MO, D, DO>): PipelineDefinition {
  const checked = validate(spec as PipelineSpec, 'definition');
  return Object.freeze({ kind: 'ganglion.pipeline', spec: checked, settings: settingsOf(checked) });
}

/** Returns a copy of the pipeline with some settings replaced (command-line flags), validated again. */
export function withOverrides(definition: PipelineDefinition, overrides: Partial<PipelineSpec>): PipelineDefinition {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  const spec = validate({ ...definition.spec, ...defined }, 'command line');
  return Object.freeze({ kind: 'ganglion.pipeline', spec, settings: settingsOf(spec) });
}

/** True for the default export of a pipeline file. */
export function isPipelineDefinition(value: unknown): value is PipelineDefinition {
  return typeof value === 'object' && value !== null && (value as PipelineDefinition).kind === 'ganglion.pipeline';
}

function validate(spec: PipelineSpec, source: string): PipelineSpec {
  const result = pipelineSchema.safeParse(spec);
  const suffix = source === 'command line' ? ' (after command-line overrides)' : '';
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(pipeline)'}: ${issue.message}${suffix}`);
  for (const field of ['model', 'dataset'] as const) {
    const component = spec?.[field];
    if (typeof component?.type === 'function') problems.push(...componentOptionProblems(field, component));
  }
  if (problems.length > 0) throw new PipelineValidationError(typeof spec?.name === 'string' ? spec.name : '(unnamed)', problems);
  return spec;
}

/** A component class may declare `static optionsSchema` (zod); its options are then checked here, by field. */
function componentOptionProblems(field: string, component: ComponentSpec<unknown, unknown>): string[] {
  const schema = (component.type as { optionsSchema?: z.ZodType }).optionsSchema;
  if (schema === undefined) return [];
  const result = schema.safeParse(component.options ?? {});
  if (result.success) return [];
  return result.error.issues.map((issue) => `${[field, 'options', ...issue.path].join('.')}: ${issue.message}`);
}

function settingsOf(spec: PipelineSpec): PipelineSettings {
  const seed = spec.seed ?? 42;
  const optimizer = Object.fromEntries(Object.entries(spec.optimizer ?? {}).filter(([, value]) => value !== undefined));
  return {
    name: spec.name,
    batchSize: spec.batchSize,
    steps: spec.steps,
    seed,
    sampleEvery: spec.sampleEvery ?? 250,
    sampleCount: spec.sampleCount ?? 64,
    logEvery: spec.logEvery ?? 50,
    checkpointEvery: spec.checkpointEvery ?? 0,
    keepCheckpoints: spec.keepCheckpoints ?? 3,
    distributed: {
      reducer: spec.distributed?.reducer ?? 'ring',
      fp16: spec.distributed?.fp16 ?? false,
      bucketBytes: spec.distributed?.bucketBytes ?? 4 * 1024 * 1024,
      checksumEvery: spec.distributed?.checksumEvery ?? 50,
      stepWindow: spec.distributed?.stepWindow ?? DEFAULT_STEP_WINDOW,
      reduceTimeoutMs: spec.distributed?.reduceTimeoutMs ?? 120_000,
    },
    nonFiniteGradients: spec.nonFiniteGradients ?? 'stop',
    modelOptions: { seed, ...optimizer, ...((spec.model.options as Record<string, unknown>) ?? {}) },
    datasetOptions: { ...((spec.dataset.options as Record<string, unknown>) ?? {}) },
  };
}
