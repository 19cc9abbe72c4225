import type { BackendChoice, RequestedBackend } from './backend-choice';
import { selectBackend } from './select-backend';

/** Chooses and starts this process's tfjs backend; rebind it to bring your own. */
export interface BackendSelector {
  select(requested: RequestedBackend): Promise<BackendChoice>;
}

/** DI token for the BackendSelector. */
export const BackendSelector = Symbol('BackendSelector');

/** tfjs-node-gpu, then tfjs-node, then WASM, then CPU, with Ganglion's training kernels registered. */
export class TfjsBackendSelector implements BackendSelector {
  select(requested: RequestedBackend): Promise<BackendChoice> {
    return selectBackend({ requested });
  }
}
