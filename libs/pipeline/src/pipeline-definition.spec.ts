import { ContainerModule } from 'inversify';
import { z } from 'zod';
import { definePipeline, PipelineValidationError, withOverrides } from './pipeline-definition';

class ToyModel {
  static readonly optionsSchema = z.object({ latentDim: z.number().int().positive().optional() }).strict();
  constructor(readonly options: unknown) {}
}

class ToyDataset {
  constructor(readonly options: unknown) {}
}

const valid = {
  name: 'toy-run',
  model: { type: ToyModel, options: { latentDim: 8 } },
  dataset: { type: ToyDataset, options: { source: 'bundled' } },
  batchSize: 32,
  steps: 10,
};

function problemsOf(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof PipelineValidationError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a PipelineValidationError');
}

describe('definePipeline', () => {
  it('fills defaults and merges seed and optimizer settings into the model options', () => {
    const pipeline = definePipeline({ ...valid, optimizer: { learningRate: 1e-3 } });
    expect(pipeline.kind).toBe('ganglion.pipeline');
    expect(pipeline.settings).toMatchObject({
      name: 'toy-run',
      batchSize: 32,
      steps: 10,
      seed: 42,
      sampleEvery: 250,
      sampleCount: 64,
      logEvery: 50,
      checkpointEvery: 0,
      datasetOptions: { source: 'bundled' },
    });
    expect(pipeline.settings.modelOptions).toEqual({ seed: 42, learningRate: 1e-3, latentDim: 8 });
  });

  it('names each invalid field', () => {
    const problems = problemsOf(() => definePipeline({ ...valid, batchSize: -4, steps: 2.5, name: 'has space' }));
    expect(problems.some((p) => p.startsWith('batchSize:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('steps:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('name:') && p.includes('letters, digits'))).toBe(true);
  });

  it('refuses unknown top-level fields, which are usually typos', () => {
    const problems = problemsOf(() => definePipeline({ ...valid, batchsize: 3 } as typeof valid));
    expect(problems.join('\n')).toContain('batchsize');
  });

  it('refuses a model that is not a class', () => {
    const problems = problemsOf(() => definePipeline({ ...valid, model: { type: 'ConvVae' as never } }));
    expect(problems[0]).toMatch(/^model\.type: expected a class/);
  });

  it("checks component options against the component's own schema, by field", () => {
    const problems = problemsOf(() => definePipeline({ ...valid, model: { type: ToyModel, options: { latentDim: 0 } } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^model\.options\.latentDim:/);
  });

  it('puts the pipeline name and every problem in the message', () => {
    expect(() => definePipeline({ ...valid, batchSize: 0 })).toThrow(/Pipeline "toy-run" is not valid:\n  - batchSize:/);
  });

  it('accepts a ContainerModule of overrides and refuses anything else', () => {
    expect(() => definePipeline({ ...valid, overrides: new ContainerModule(() => undefined) })).not.toThrow();
    const problems = problemsOf(() => definePipeline({ ...valid, overrides: {} as ContainerModule }));
    expect(problems[0]).toMatch(/^overrides: expected an inversify ContainerModule/);
  });
});

describe('withOverrides', () => {
  it('replaces only the given settings and validates again', () => {
    const pipeline = definePipeline(valid);
    const changed = withOverrides(pipeline, { steps: 3, batchSize: undefined });
    expect(changed.settings.steps).toBe(3);
    expect(changed.settings.batchSize).toBe(32);
    expect(() => withOverrides(pipeline, { steps: 0 })).toThrow(/steps: .*after command-line overrides/);
  });
});
