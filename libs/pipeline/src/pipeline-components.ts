import type { Bind } from 'inversify';
import { Dataset } from '@ganglion/data';
import { GenerativeModel } from '@ganglion/models';
import { PipelineSettings, type PipelineDefinition } from './pipeline-definition';

/** Binds what a pipeline file names: its settings, its dataset and its model (both built once, from the pipeline's options). */
export function bindPipelineComponents(bind: Bind, definition: PipelineDefinition): void {
  bind(PipelineSettings).toConstantValue(definition.settings);
  bind(Dataset)
    .toDynamicValue(() => new definition.spec.dataset.type(definition.settings.datasetOptions) as Dataset)
    .inSingletonScope();
  bind(GenerativeModel)
    .toDynamicValue(() => new definition.spec.model.type(definition.settings.modelOptions) as GenerativeModel)
    .inSingletonScope();
}
