import type { BackendName } from './backend-choice';

/**
 * Thrown by selectBackend when a backend was requested by name (`--backend`)
 * but cannot be loaded. The message names the package to install.
 */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';

  constructor(
    /** The backend that was requested. */
    readonly backend: BackendName,
    /** Why each package providing it failed to load, one entry per package. */
    readonly failures: readonly string[],
    /** What the user can do about it. */
    readonly remedy: string,
  ) {
    super(`Backend '${backend}' was requested but cannot be used: ${failures.join('; ')}. ${remedy}`);
  }
}
