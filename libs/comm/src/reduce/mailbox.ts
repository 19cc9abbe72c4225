import { SocketClosedError } from '../transport/transport-errors';
import { type WaitOptions, waitWith } from '../transport/wait-options';

/**
 * Items keyed by a string (e.g. generation/step/phase/bucket/round), taken
 * once each. An item that arrives before anyone waits for it is held (up to
 * `maxHeld`), so peers running a little ahead lose nothing.
 */
export class Mailbox<T> {
  private readonly held = new Map<string, T>();
  private readonly waiters = new Map<string, { resolve: (item: T) => void; reject: (error: Error) => void }>();
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
      waiter.resolve(item);
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

  take(key: string, options?: WaitOptions): Promise<T> {
    const item = this.held.get(key);
    if (item !== undefined) {
      this.held.delete(key);
      return Promise.resolve(item);
    }
    if (this.closedWith !== undefined) {
      return Promise.reject(this.closedWith);
    }
    if (this.waiters.has(key)) {
      return Promise.reject(new Error(`Someone already waits for ${key}; each key is taken once.`));
    }
    let entry: { resolve: (item: T) => void; reject: (error: Error) => void } | undefined;
    return waitWith<T>(
      options,
      key,
      (resolve, reject) => {
        entry = { resolve, reject };
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
