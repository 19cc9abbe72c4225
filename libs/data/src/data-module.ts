import { ContainerModule } from 'inversify';
import { SamplerFactory } from './batch-sampler';
import { ShardedSampler } from './sharded-sampler';

/** The data lib's default components: world-size-invariant sharded sampling. */
export const dataModule = new ContainerModule(({ bind }) => {
  bind<SamplerFactory>(SamplerFactory).toConstantValue((options) => new ShardedSampler(options));
});
