import type { GradientReducer, ReducerOptions } from './gradient-reducer';
import { ReducerDependencyError, UnknownReducerError } from './reducer-errors';
import { RingReducer } from './ring-reducer';
import type { RingTransport } from './ring-transport';
import { StarReducer, type StarWorkerTransport } from './star-reducer';

/** The transports a worker has; each strategy takes what it needs. */
export interface ReducerDependencies {
  /** The worker's WorkerSocket (needed by 'star'). */
  readonly workerSocket?: StarWorkerTransport;
  /** The worker's bound RingTransport (needed by 'ring'; the reducer takes ownership). */
  readonly ringTransport?: RingTransport;
}

export type GradientReducerFactory = (options: ReducerOptions, dependencies: ReducerDependencies) => GradientReducer;

/**
 * Reducer strategies by name, so the choice is one lookup rather than
 * if-chains through the code. `create` throws UnknownReducerError for a
 * name nobody registered and ReducerDependencyError when the worker lacks
 * the transport the strategy needs.
 */
export class GradientReducerRegistry {
  private readonly factories = new Map<string, GradientReducerFactory>();

  register(name: string, factory: GradientReducerFactory): this {
    if (this.factories.has(name)) {
      throw new Error(`A gradient reducer named ${JSON.stringify(name)} is already registered.`);
    }
    this.factories.set(name, factory);
    return this;
  }

  has(name: string): boolean {
    return this.factories.has(name);
  }

  names(): string[] {
    return [...this.factories.keys()];
  }

  create(name: string, options: ReducerOptions, dependencies: ReducerDependencies): GradientReducer {
    const factory = this.factories.get(name);
    if (factory === undefined) {
      throw new UnknownReducerError(name, this.names());
    }
    return factory(options, dependencies);
  }
}

/** A registry with the built-in strategies: 'star' and 'ring'. */
export function createDefaultReducerRegistry(): GradientReducerRegistry {
  return new GradientReducerRegistry()
    .register('star', (options, { workerSocket }) => {
      if (workerSocket === undefined) {
        throw new ReducerDependencyError("The 'star' reducer needs the worker's WorkerSocket (dependencies.workerSocket).");
      }
      return new StarReducer(workerSocket, options);
    })
    .register('ring', (options, { ringTransport }) => {
      if (ringTransport === undefined) {
        throw new ReducerDependencyError(
          "The 'ring' reducer needs a RingTransport (dependencies.ringTransport): bind one with RingTransport.bind() before HELLO and announce its endpoint as ringEndpoint.",
        );
      }
      return new RingReducer(ringTransport, options);
    });
}
