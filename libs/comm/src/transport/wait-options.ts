import { AwakeTimeout } from './awake-timeout';
import { WaitAbortedError, WaitTimeoutError } from './transport-errors';

/** How long a receive or take may wait. */
export interface WaitOptions {
  /** Reject with WaitTimeoutError after this many milliseconds (time this process was stopped or blocked is not counted: AwakeTimeout). Default: wait indefinitely. */
  readonly timeoutMs?: number;
  /** Reject with WaitAbortedError (cause: the signal's reason) when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * Runs `start` (which must call `settle` exactly once, directly or later)
 * under the timeout and signal of `options`. `cancel` is called when the
 * wait ends early, to unregister whatever `start` registered.
 */
export function waitWith<T>(
  options: WaitOptions | undefined,
  what: string,
  start: (resolve: (value: T) => void, reject: (error: Error) => void) => void,
  cancel: () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let timer: AwakeTimeout | undefined;
    const signal = options?.signal;
    const finish = (): boolean => {
      if (done) {
        return false;
      }
      done = true;
      timer?.clear();
      signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const onAbort = (): void => {
      if (finish()) {
        cancel();
        reject(new WaitAbortedError(`Stopped waiting for ${what}: aborted.`, { cause: signal?.reason }));
      }
    };
    if (signal?.aborted) {
      done = true;
      reject(new WaitAbortedError(`Stopped waiting for ${what}: aborted before it started.`, { cause: signal.reason }));
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    if (options?.timeoutMs !== undefined) {
      const timeoutMs = options.timeoutMs;
      timer = new AwakeTimeout(() => {
        if (finish()) {
          cancel();
          reject(new WaitTimeoutError(`Waited ${timeoutMs} ms for ${what}; the peer is slow, hung or gone.`));
        }
      }, timeoutMs);
    }
    start(
      (value) => {
        if (finish()) {
          resolve(value);
        }
      },
      (error) => {
        if (finish()) {
          reject(error);
        }
      },
    );
  });
}
