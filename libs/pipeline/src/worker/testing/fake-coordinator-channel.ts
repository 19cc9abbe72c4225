import {
  type DecodeResult,
  type Envelope,
  type HeaderOf,
  type MessageInit,
  type MessageType,
  type WaitOptions,
  WaitAbortedError,
  WaitTimeoutError,
  decodeMessageOrThrow,
  encodeMessage,
} from '@ganglion/comm';
import type { CoordinatorChannel } from '../coordinator-channel';

/** For specs: an in-memory coordinator channel, messages pushed by the test, sends recorded. */
export class FakeCoordinatorChannel implements CoordinatorChannel {
  readonly endpoint = 'tcp://coordinator:5555';
  readonly sent: MessageInit[] = [];
  private readonly queue: DecodeResult[] = [];
  private waiter: { resolve: (r: DecodeResult) => void; reject: (e: Error) => void } | undefined;
  private readonly handlers = new Map<string, (envelope: Envelope) => void>();

  push(init: MessageInit): void {
    const envelope = decodeMessageOrThrow(encodeMessage(init));
    const handler = this.handlers.get(envelope.header.type);
    if (handler !== undefined) {
      handler(envelope);
      return;
    }
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter !== undefined) waiter.resolve({ ok: true, envelope });
    else this.queue.push({ ok: true, envelope });
  }

  async send(init: MessageInit): Promise<void> {
    this.sent.push(init);
  }

  receive(options?: WaitOptions): Promise<DecodeResult> {
    const next = this.queue.shift();
    if (next !== undefined) return Promise.resolve(next);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new WaitTimeoutError('silent')), options?.timeoutMs ?? 10_000);
      options?.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new WaitAbortedError('aborted'));
      });
      this.waiter = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject,
      };
    });
  }

  route<T extends MessageType>(type: T, handler: (envelope: Envelope<HeaderOf<T>>) => void): () => void {
    this.handlers.set(type, handler as (envelope: Envelope) => void);
    return () => this.handlers.delete(type);
  }

  private readonly disconnectListeners = new Set<() => void>();

  onDisconnect(listener: () => void): () => void {
    this.disconnectListeners.add(listener);
    return () => this.disconnectListeners.delete(listener);
  }

  /** The coordinator's connection drops (its process was killed). */
  disconnect(): void {
    for (const listener of this.disconnectListeners) listener();
  }
}
