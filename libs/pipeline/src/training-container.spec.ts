import { ContainerModule } from 'inversify';
import { z } from 'zod';
import { Dataset } from '@ganglion/data';
import { Clock, SystemClock } from './clock';
import { bindPipelineComponents } from './pipeline-components';
import { definePipeline, PipelineSettings } from './pipeline-definition';
import { ProgressReporter } from './progress/progress-reporter';
import { createTrainingContainer, loadRunModules } from './training-container';

class ToyModel {
  static readonly optionsSchema = z.object({}).strict();
  constructor(readonly options: unknown) {}
}

class ToyDataset {
  constructor(readonly options: unknown) {}
}

function clockAt(ms: number): Clock {
  return { now: () => ms, date: () => new Date(ms) };
}

describe('createTrainingContainer and loadRunModules', () => {
  it("start from the libs' modules, add the run, and load the pipeline's overrides last, so that they win", () => {
    const pipelineClock = clockAt(2);
    const definition = definePipeline({
      name: 'container',
      model: { type: ToyModel },
      dataset: { type: ToyDataset },
      batchSize: 2,
      steps: 1,
      overrides: new ContainerModule(({ rebindSync }) => {
        rebindSync(Clock).toConstantValue(pipelineClock);
      }),
    });
    const container = createTrainingContainer();
    expect(container.isBound(ProgressReporter)).toBe(true);
    expect(container.get(Clock)).toBeInstanceOf(SystemClock);

    const run = new ContainerModule(({ bind, rebindSync }) => {
      bindPipelineComponents(bind, definition);
      rebindSync(Clock).toConstantValue(clockAt(1));
    });
    loadRunModules(container, definition, run);
    expect(container.get(Clock)).toBe(pipelineClock);
    expect(container.get(PipelineSettings)).toBe(definition.settings);
    expect(container.get(Dataset)).toBeInstanceOf(ToyDataset);
    expect(container.get(Dataset)).toBe(container.get(Dataset));
  });
});
