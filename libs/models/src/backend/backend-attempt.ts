import type { BackendChoice } from './backend-choice';

/** Outcome of trying one backend (or one package of it) in selectBackend. */
export type BackendAttempt =
  | {
      ok: true;
      choice: Omit<BackendChoice, 'reason' | 'trainingKernels'>;
      /** Packages of this backend passed over before the one that loaded. */
      failures: string[];
      /** What was chosen, in words, for the end of the reason. */
      detail: string;
    }
  | { ok: false; failures: string[] };
