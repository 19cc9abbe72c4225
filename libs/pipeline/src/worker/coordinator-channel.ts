import type { DecodeResult, Envelope, HeaderOf, MessageInit, MessageType, PayloadInit, WaitOptions } from '@ganglion/comm';

/** What a worker needs of its connection to the coordinator (a WorkerSocket). */
export interface CoordinatorChannel {
  /** The coordinator's endpoint, for messages. */
  readonly endpoint: string;
  /** False until the connection is closed. */
  readonly closed?: boolean;
  send(init: MessageInit, payload?: PayloadInit): Promise<void>;
  receive(options?: WaitOptions): Promise<DecodeResult>;
  route<T extends MessageType>(type: T, handler: (envelope: Envelope<HeaderOf<T>>) => void): () => void;
  /** Calls `listener` when the connection to the coordinator drops (its process died); returns the unsubscribe function. */
  onDisconnect?(listener: () => void): () => void;
}
