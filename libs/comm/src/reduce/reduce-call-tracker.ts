import { setMaxListeners } from 'node:events';
import { AwakeTimeout } from '../transport/awake-timeout';
import type { Membership, ReduceContext } from './gradient-reducer';
import { ReduceAbortedError, ReduceContextError, type ReduceStall, ReduceTimeoutError } from './reducer-errors';

/** What a reducer knows of a call's waits when it stalls: who did not deliver, what came, what was awaited. */
export type StallProbe = () => Pick<ReduceStall, 'suspectRank' | 'received' | 'awaiting'>;

/** One allreduce in flight: its membership, and one signal that stops all its waits. */
export interface ActiveCall {
  readonly membership: Membership;
  readonly signal: AbortSignal;
  /** Stops the call's other waits after one part failed. */
  fail(error: unknown): void;
  /** Something arrived: the no-progress timeout starts again. */
  progressed(): void;
  /** The error the call should reject with: the abort reason when the call was stopped, else `error`. */
  translate(error: unknown): Error;
  /** Releases the timer and listeners; call in `finally`. */
  finish(): void;
}

/**
 * The bookkeeping every reducer shares: the current membership, checks on
 * each call's arguments (configured, same generation, context advancing,
 * weight valid), a no-progress timeout per call (timeoutMs without
 * anything received: ReduceTimeoutError with the reducer's StallProbe
 * answer; time this process was stopped or blocked does not count, see
 * AwakeTimeout), and aborting calls in flight when the membership changes or
 * the reducer closes.
 */
export class ReduceCallTracker {
  private current: Membership | undefined;
  private last: { generation: number; step: number; phase: number } | undefined;
  private readonly active = new Set<AbortController>();

  constructor(
    private readonly reducerName: string,
    private readonly timeoutMs: number,
  ) {}

  get membership(): Membership | undefined {
    return this.current;
  }

  configure(membership: Membership): void {
    const { generation, rank, worldSize, peers } = membership;
    if (!Number.isInteger(worldSize) || worldSize < 1 || !Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
      throw new ReduceContextError(`${this.reducerName}: rank ${rank} of world size ${worldSize} is not a valid membership.`);
    }
    if (!Number.isInteger(generation) || generation < 0) {
      throw new ReduceContextError(`${this.reducerName}: generation must be a non-negative integer, got ${generation}.`);
    }
    if (this.current !== undefined && generation < this.current.generation) {
      throw new ReduceContextError(
        `${this.reducerName}: membership generation ${generation} is older than the current ${this.current.generation}; ignore stale WELCOMEs.`,
      );
    }
    if (peers.length !== 0 && peers.length !== worldSize) {
      throw new ReduceContextError(`${this.reducerName}: ${peers.length} peer endpoints for world size ${worldSize}; need one per rank.`);
    }
    this.abortAll(new ReduceAbortedError(`${this.reducerName}: membership changed to generation ${generation}; the step in flight was abandoned.`));
    this.current = membership;
  }

  abortAll(reason: Error): void {
    for (const controller of this.active) {
      controller.abort(reason);
    }
    this.active.clear();
  }

  begin(values: Float32Array, weight: number, context: ReduceContext, probe?: StallProbe): ActiveCall {
    const membership = this.current;
    const where = `${this.reducerName} allreduce (generation ${context.generation}, step ${context.step}, phase ${context.phase})`;
    if (membership === undefined) {
      throw new ReduceContextError(`${where}: call configure() with the WELCOME's membership first.`);
    }
    if (!(values instanceof Float32Array)) {
      throw new TypeError(`${where}: values must be a Float32Array.`);
    }
    if (!Number.isFinite(weight) || weight < 0) {
      throw new RangeError(`${where}: weight must be a finite number >= 0 (the local sample count), got ${weight}.`);
    }
    for (const key of ['generation', 'step', 'phase'] as const) {
      if (!Number.isSafeInteger(context[key]) || context[key] < 0) {
        throw new ReduceContextError(`${where}: ${key} must be a non-negative integer.`);
      }
    }
    if (context.generation !== membership.generation) {
      throw new ReduceContextError(
        `${where}: the reducer is configured for generation ${membership.generation}; configure() it with the newest WELCOME first.`,
      );
    }
    const last = this.last;
    if (
      last !== undefined &&
      (context.generation < last.generation ||
        (context.generation === last.generation &&
          (context.step < last.step || (context.step === last.step && context.phase <= last.phase))))
    ) {
      throw new ReduceContextError(
        `${where}: comes after (generation ${last.generation}, step ${last.step}, phase ${last.phase}); a context may not repeat or go back within a generation. After a failed call, start a new generation.`,
      );
    }
    this.last = { generation: context.generation, step: context.step, phase: context.phase };

    const controller = new AbortController();
    // Every bucket of a call waits on this one signal at once (a 40 MiB vector: 10 buckets); not a leak.
    setMaxListeners(0, controller.signal);
    this.active.add(controller);
    const onStall = (): void => {
      const seen = probe?.();
      const stall: ReduceStall | undefined =
        seen === undefined ? undefined : { ...seen, generation: context.generation, step: context.step, phase: context.phase, stalledMs: this.timeoutMs };
      controller.abort(
        new ReduceTimeoutError(
          `${where} made no progress for ${this.timeoutMs} ms${seen === undefined ? '' : `: waiting for ${seen.awaiting}, ${seen.received} message${seen.received === 1 ? '' : 's'} received`}; ` +
            'a peer is slow, hung or gone.',
          stall,
        ),
      );
    };
    // Time this process was stopped or blocked does not count: on resume, what arrived meanwhile is read first.
    const stallTimer = new AwakeTimeout(onStall, this.timeoutMs);
    const callerSignal = context.signal;
    const onCallerAbort = (): void =>
      controller.abort(new ReduceAbortedError(`${where} was aborted by the caller.`, { cause: callerSignal?.reason }));
    if (callerSignal?.aborted) {
      onCallerAbort();
    } else {
      callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    }
    return {
      membership,
      signal: controller.signal,
      fail: (error) => controller.abort(error),
      progressed: () => {
        if (!controller.signal.aborted) stallTimer.restart();
      },
      translate: (error) => {
        const reason: unknown = controller.signal.aborted ? controller.signal.reason : error;
        return reason instanceof Error ? reason : new Error(String(reason));
      },
      finish: () => {
        stallTimer.clear();
        callerSignal?.removeEventListener('abort', onCallerAbort);
        this.active.delete(controller);
      },
    };
  }
}
