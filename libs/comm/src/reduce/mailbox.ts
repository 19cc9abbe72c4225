import { SocketClosedError } from '../transport/transport-errors';
import { type WaitOptions, waitWith } from '../transport/wait-options';

/**
 * Items keyed by a string (e.g. generation/step/phase/bucket/round), taken
 * once each. An item that arrives before anyone waits for it is held (up to
 * `maxHeld`), so peers running a little ahead lose nothing.
 *
 * take() hands the item to a synchronous `read` and resolves with what read
 * returns, never with the item itself. Why: a promise that waited through
 * two scavenges has been promoted to V8's old generation, and an old
 * object's fields are roots for every scavenge until a Mark-Compact finds it
 * dead. Resolved with a received message, it would keep the message's
 * frames (zeromq.js's external memory, counted against V8's external-memory
 * limit) alive until the next Mark-Compact: exactly the full collections the
 * ReceivedFrameScavenger is there to avoid (libs/comm README, "External
 * memory and scavenges"). So read copies out what it needs and the frames
 * die young.
 */
export class Mailbox<T> {
  private readonly held = new Map<string, T>();
  private readonly waiters = new Map<string, { deliver: (item: T) => void; reject: (error: Error) => void }>();
  private closedWith: Error | undefined;

  constructor(private readonly maxHeld: number) {}

  get heldCount(): number {
    return this.held.size;
  }

  hasWaiter(key: string): boolean {
    return this.waiters.has(key);
  }

  /**
   * Hands `item` to the waiter for `key` or holds it. Returns the reason
   * when it was refused instead: a duplicate key, or the mailbox is full.
   */
  put(key: string, item: T): string | null {
    if (this.closedWith !== undefined) {
      return 'the mailbox is closed';
    }
    const waiter = this.waiters.get(key);
    if (waiter !== undefined) {
      this.waiters.delete(key);
      waiter.deliver(item);
      return null;
    }
    if (this.held.has(key)) {
      return `a message for ${key} is already waiting (duplicate)`;
    }
    if (this.held.size >= this.maxHeld) {
      return `${this.maxHeld} messages are already held for later rounds`;
    }
    this.held.set(key, item);
    return null;
  }

  /**
   * Hands the item for `key` to `read` as soon as it is here (at once when
   * held, else from put()) and resolves with what read returns, or rejects
   * with what it throws. Keep no reference to the item in the result.
   */
  take<R>(key: string, read: (item: T) => R, options?: WaitOptions): Promise<R> {
    const item = this.held.get(key);
    if (item !== undefined) {
      this.held.delete(key);
      return new Promise<R>((resolve, reject) => settle(read, item, resolve, reject));
    }
    if (this.closedWith !== undefined) {
      return Promise.reject(this.closedWith);
    }
    if (this.waiters.has(key)) {
      return Promise.reject(new Error(`Someone already waits for ${key}; each key is taken once.`));
    }
    let entry: { deliver: (item: T) => void; reject: (error: Error) => void } | undefined;
    return waitWith<R>(
      options,
      key,
      (resolve, reject) => {
        entry = { deliver: (arrived) => settle(read, arrived, resolve, reject), reject };
        this.waiters.set(key, entry);
      },
      () => {
        if (this.waiters.get(key) === entry) {
          this.waiters.delete(key);
        }
      },
    );
  }

  /** Forgets held items for which `predicate` is true (e.g. of an old generation). */
  discard(predicate: (key: string, item: T) => boolean): number {
    let count = 0;
    for (const [key, item] of this.held) {
      if (predicate(key, item)) {
        this.held.delete(key);
        count += 1;
      }
    }
    return count;
  }

  close(error: Error = new SocketClosedError('The mailbox was closed.')): void {
    if (this.closedWith !== undefined) {
      return;
    }
    this.closedWith = error;
    this.held.clear();
    for (const waiter of this.waiters.values()) {
      waiter.reject(error);
    }
    this.waiters.clear();
  }
}

/** Resolves with what `read` makes of `item`, or rejects with what it throws (never from the caller's stack). */
function settle<T, R>(read: (item: T) => R, item: T, resolve: (result: R) => void, reject: (error: Error) => void): void {
  let result: R;
  try {
    result = read(item);
  } catch (error) {
    reject(error as Error);
    return;
  }
  resolve(result);
}
