import { ContainerModule } from 'inversify';
import { GradientReducerRegistry, createDefaultReducerRegistry } from './reduce/gradient-reducer-registry';

/**
 * The comm lib's DI bindings: the reducer registry (singleton). The
 * reducer itself (token GradientReducer) depends on the WELCOME, so the
 * worker's composition root binds it once the registry created it.
 */
export const commModule = new ContainerModule(({ bind }) => {
  bind(GradientReducerRegistry).toDynamicValue(() => createDefaultReducerRegistry()).inSingletonScope();
});
