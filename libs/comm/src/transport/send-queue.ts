/**
 * Serialises sends on one zeromq.js socket: v6 allows a single send in
 * progress per socket and throws EBUSY otherwise. Sends go out in the order
 * they were pushed; one failure rejects only its own promise.
 */
export class SendQueue {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly sendNow: (frames: Buffer[]) => Promise<void>) {}

  /**
   * Resolves once zeromq queued the frames (not once the peer got them):
   * frames above 128 bytes are not copied, so do not mutate their memory
   * until the peer has answered.
   */
  push(frames: Buffer[]): Promise<void> {
    const sent = this.tail.then(() => this.sendNow(frames));
    this.tail = sent.catch(() => undefined);
    return sent;
  }
}
