import type { MessageType } from '../protocol/messages';
import { SocketClosedError } from './transport-errors';
import { type WaitOptions, waitWith } from './wait-options';

/**
 * What a socket's receive loop hands over: decoded messages go to the
 * handler routed for their type, or else wait in a bounded queue for
 * `receive()`. One consumer at a time per item; no module state.
 */
export class Inbox<T> {
  private readonly queue: T[] = [];
  private readonly waiters: { resolve: (item: T) => void; reject: (error: Error) => void }[] = [];
  private readonly routes = new Map<MessageType, (item: T) => void>();
  private closedWith: Error | undefined;

  /**
   * @param typeOf the message type of an item (undefined for items that are errors)
   * @param maxQueued most items held for receive(); beyond it the oldest is dropped and reported
   * @param onDrop told about each item dropped for lack of room or a throwing handler
   */
  constructor(
    private readonly typeOf: (item: T) => MessageType | undefined,
    private readonly maxQueued: number,
    private readonly onDrop: (reason: string, item: T) => void,
  ) {}

  /** Number of items waiting for receive(). */
  get size(): number {
    return this.queue.length;
  }

  /**
   * Sends every later item of `type` to `handler` instead of the queue.
   * One handler per type; returns a function that removes it.
   */
  route(type: MessageType, handler: (item: T) => void): () => void {
    if (this.routes.has(type)) {
      throw new Error(`${type} messages are already routed to another handler; remove that route first.`);
    }
    this.routes.set(type, handler);
    return () => {
      if (this.routes.get(type) === handler) {
        this.routes.delete(type);
      }
    };
  }

  deliver(item: T): void {
    if (this.closedWith !== undefined) {
      return;
    }
    const type = this.typeOf(item);
    const handler = type === undefined ? undefined : this.routes.get(type);
    if (handler !== undefined) {
      try {
        handler(item);
      } catch (error) {
        this.onDrop(`the ${type} handler threw: ${(error as Error).message}`, item);
      }
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve(item);
      return;
    }
    this.queue.push(item);
    if (this.queue.length > this.maxQueued) {
      const dropped = this.queue.shift() as T;
      this.onDrop(`more than ${this.maxQueued} messages were waiting for receive(); call receive() more often`, dropped);
    }
  }

  /** The next queued item. Rejects with SocketClosedError once closed, or per `options`. */
  receive(options?: WaitOptions): Promise<T> {
    if (this.queue.length > 0) {
      return Promise.resolve(this.queue.shift() as T);
    }
    if (this.closedWith !== undefined) {
      return Promise.reject(this.closedWith);
    }
    let entry: { resolve: (item: T) => void; reject: (error: Error) => void } | undefined;
    return waitWith<T>(
      options,
      'the next message',
      (resolve, reject) => {
        entry = { resolve, reject };
        this.waiters.push(entry);
      },
      () => {
        const index = entry === undefined ? -1 : this.waiters.indexOf(entry);
        if (index >= 0) {
          this.waiters.splice(index, 1);
        }
      },
    );
  }

  /** Ends the inbox: pending and later receive() calls reject; queued items are still handed out first. */
  close(error: Error = new SocketClosedError('The socket was closed.')): void {
    if (this.closedWith !== undefined) {
      return;
    }
    this.closedWith = error;
    for (const waiter of this.waiters.splice(0)) {
      waiter.reject(error);
    }
    this.routes.clear();
  }

  /** Iterates received items until the inbox closes. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      try {
        yield await this.receive();
      } catch (error) {
        if (error instanceof SocketClosedError) {
          return;
        }
        throw error;
      }
    }
  }
}
