/** The part of a zeromq.js event observer that watchSocketEvents reads. */
export interface EventSource<E> {
  receive(): Promise<E>;
}

/** Consecutive spurious EAGAINs after which the watcher gives up, so a broken observer cannot spin. */
const MAX_CONSECUTIVE_AGAIN = 100;

/**
 * Reads a socket's events in receive mode (an observer in emitter mode makes
 * zeromq.js throw ENOTSOCK outside any promise when it is closed) and hands
 * each to `onEvent`, until the socket closes. A receive that fails with
 * EAGAIN while the socket is open is spurious (zeromq.js saw the observer
 * readable but the event was gone, as the ring's PULL does after a CURVE
 * neighbour reconnects): it reads on instead of going deaf to every later
 * disconnect or handshake failure.
 */
export async function watchSocketEvents<E>(source: EventSource<E>, isClosed: () => boolean, onEvent: (event: E) => void): Promise<void> {
  let again = 0;
  for (;;) {
    let event: E;
    try {
      event = await source.receive();
    } catch (error) {
      if ((error as { code?: string }).code === 'EAGAIN' && !isClosed() && ++again < MAX_CONSECUTIVE_AGAIN) continue;
      return; // The observer or the socket was closed.
    }
    again = 0;
    onEvent(event);
  }
}
