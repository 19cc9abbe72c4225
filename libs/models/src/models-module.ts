import { ContainerModule } from 'inversify';
import { BackendSelector, TfjsBackendSelector } from './backend/backend-selector';

/** The models lib's default components: backend selection with Ganglion's training kernels. */
export const modelsModule = new ContainerModule(({ bind }) => {
  bind(BackendSelector).to(TfjsBackendSelector).inSingletonScope();
});
