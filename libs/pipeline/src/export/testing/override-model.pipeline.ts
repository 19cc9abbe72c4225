import { ContainerModule } from 'inversify';
import { SyntheticDataset } from '@ganglion/data';
import { ConvVae, GenerativeModel } from '@ganglion/models';
import { definePipeline } from '../../pipeline-definition';

/**
 * A pipeline whose DI overrides replace the model it names (a ConvVAE of
 * 16 latents) with one of 3 latents: loadCheckpointModel must build the
 * model through the pipeline's overrides, as `ganglion train` does.
 */
export default definePipeline({
  name: 'override-model',
  model: { type: ConvVae, options: { latentDim: 16 } },
  dataset: { type: SyntheticDataset, options: { count: 8, height: 28, width: 28, channels: 1 } },
  batchSize: 4,
  steps: 1,
  overrides: new ContainerModule(({ rebindSync }) => {
    rebindSync(GenerativeModel).toDynamicValue(() => new ConvVae({ latentDim: 3, seed: 5 })).inSingletonScope();
  }),
});
