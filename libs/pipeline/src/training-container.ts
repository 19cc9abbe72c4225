import { Container, type ContainerModule } from 'inversify';
import { dataModule } from '@ganglion/data';
import { type BackendChoice, BackendSelector, modelsModule, type RequestedBackend } from '@ganglion/models';
import type { Logger } from './logger';
import type { PipelineDefinition } from './pipeline-definition';
import { pipelineModule } from './pipeline-module';

/**
 * The container of every process that trains or loads a model (`train`, a
 * worker, checkpoint loading): each lib's module, then `extra` (a worker's
 * commModule). The run's own bindings follow with loadRunModules, once the
 * pipeline is known.
 */
export function createTrainingContainer(...extra: ContainerModule[]): Container {
  const container = new Container();
  container.loadSync(dataModule, modelsModule, pipelineModule, ...extra);
  return container;
}

/**
 * Loads one run's bindings (runModule, or distributedWorkerModule, and any
 * of the composition root's own), then the pipeline's overrides, last, so
 * that they win.
 */
export function loadRunModules(container: Container, definition: PipelineDefinition, ...run: ContainerModule[]): void {
  container.loadSync(...run);
  if (definition.spec.overrides !== undefined) container.loadSync(definition.spec.overrides);
}

/** Chooses the compute backend through the container's BackendSelector; with a logger, logs the choice (the same line in every process). */
export async function selectTrainingBackend(container: Container, requested: RequestedBackend | undefined, logger?: Logger): Promise<BackendChoice> {
  const backend = await container.get<BackendSelector>(BackendSelector).select(requested ?? 'auto');
  logger?.info({ backend: backend.name, reason: backend.reason, ...(backend.adapter === undefined ? {} : { adapter: backend.adapter }) }, `backend ${backend.name}: ${backend.reason}`);
  return backend;
}
