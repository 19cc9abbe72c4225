import { selectBackend } from '../backend/select-backend';
import type { BackendChoice, RequestedBackend } from '../backend/backend-choice';

/**
 * Activates the backend the model specs train on: WASM with Ganglion's
 * training kernels by default (stock WASM cannot train conv nets), or the
 * one named by GANGLION_TEST_BACKEND (`cpu`, `tensorflow`, `auto`).
 */
export function useTestBackend(): Promise<BackendChoice> {
  const requested = (process.env['GANGLION_TEST_BACKEND'] ?? 'wasm') as RequestedBackend;
  return selectBackend({ requested });
}
