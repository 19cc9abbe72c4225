import { z } from 'zod';
import { definePipeline, PipelineValidationError } from './pipeline-definition';
import { applySetOverrides, parseSetOverride, pipelineHashWith } from './set-overrides';

class ToyModel {
  static readonly optionsSchema = z.object({ latentDim: z.number().int().positive().optional(), imageShape: z.array(z.number()).optional() }).strict();
  constructor(readonly options: unknown) {}
}

class ToyDataset {
  constructor(readonly options: unknown) {}
}

const pipeline = definePipeline({
  name: 'toy-run',
  model: { type: ToyModel, options: { latentDim: 8 } },
  dataset: { type: ToyDataset, options: { source: 'bundled', split: 'train' } },
  optimizer: { learningRate: 1e-3 },
  batchSize: 32,
  steps: 10,
});

function problemsOf(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof PipelineValidationError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a PipelineValidationError');
}

const set = (...texts: string[]) => applySetOverrides(pipeline, texts.map(parseSetOverride));

describe('--set key.path=value', () => {
  it('parses JSON values where they parse, text otherwise', () => {
    expect(parseSetOverride('optimizer.learningRate=1e-3')).toEqual({ path: ['optimizer', 'learningRate'], value: 0.001, text: 'optimizer.learningRate=1e-3' });
    expect(parseSetOverride('dataset.options.source=/data/fashion-mnist').value).toBe('/data/fashion-mnist');
    expect(parseSetOverride('model.options.imageShape=[16,16,1]').value).toEqual([16, 16, 1]);
    expect(parseSetOverride('distributed.fp16=true').value).toBe(true);
    expect(parseSetOverride('name="a=b"').value).toBe('a=b');
  });

  it('overrides any field, nested ones included, and keeps the rest of the pipeline', () => {
    const result = set('dataset.options.source=/data/fashion-mnist', 'optimizer.learningRate=2e-4', 'distributed.reducer=star', 'steps=3', 'model.options.latentDim=4');
    expect(result.settings).toMatchObject({
      steps: 3,
      batchSize: 32,
      distributed: { reducer: 'star' },
      datasetOptions: { source: '/data/fashion-mnist', split: 'train' },
      modelOptions: { latentDim: 4, learningRate: 2e-4 },
    });
    expect(result.spec.model.type).toBe(ToyModel);
    expect(pipeline.settings.steps).toBe(10);
  });

  it('validates with the pipeline schema and the model options schema, naming the path and the flag', () => {
    expect(problemsOf(() => set('optimizer.learningRate=fast'))).toEqual([expect.stringMatching(/^optimizer\.learningRate: .*expected number.*\[--set optimizer\.learningRate=fast\]$/)]);
    expect(problemsOf(() => set('optimizer.learningRat=1'))).toEqual([expect.stringMatching(/^optimizer: .*learningRat/)]);
    expect(problemsOf(() => set('model.options.latentDim=-2'))).toEqual([expect.stringMatching(/^model\.options\.latentDim: .*\[--set model\.options\.latentDim=-2\]$/)]);
    expect(problemsOf(() => set('batchSize=0'))).toEqual([expect.stringMatching(/^batchSize: /)]);
  });

  it('refuses code fields, paths through plain values and text without =', () => {
    expect(problemsOf(() => set('model.type=ConvVae'))).toEqual([expect.stringMatching(/model\.type is code, not a setting; change it in the pipeline file/)]);
    expect(problemsOf(() => set('steps.max=3'))).toEqual([expect.stringMatching(/steps is 10, not an object with fields/)]);
    expect(problemsOf(() => parseSetOverride('optimizer.learningRate'))).toEqual([expect.stringMatching(/expected key\.path=value/)]);
  });

  it('training-relevant overrides change the pipeline hash, in order; cadence ones do not', () => {
    const hash = 'a'.repeat(64);
    const of = (...texts: string[]) => pipelineHashWith(hash, texts.map(parseSetOverride));
    expect(of()).toBe(hash);
    expect(of('logEvery=5', 'sampleEvery=0', 'checkpointEvery=2', 'distributed.checksumEvery=1')).toBe(hash);
    expect(of('optimizer.learningRate=1e-3')).not.toBe(hash);
    expect(of('optimizer.learningRate=1e-3')).toBe(of('optimizer.learningRate=0.001', 'logEvery=3'));
    expect(of('optimizer.learningRate=1e-3')).not.toBe(of('optimizer.learningRate=2e-3'));
  });
});
