import type { MessageHeader } from './messages';
import { ProtocolError } from './protocol-error';

/**
 * Compares a message's generation with the receiver's. Returns null when
 * they match, else a ProtocolError: 'stale-generation' for a message from
 * before the last membership change (drop it), 'future-generation' for one
 * from a generation the receiver has not been told about yet (a worker that
 * gets one has missed a WELCOME). HELLO carries the sender's last known
 * generation and should not be checked.
 */
export function checkGeneration(
  header: Pick<MessageHeader, 'type' | 'generation' | 'step'>,
  currentGeneration: number,
): ProtocolError | null {
  const context = { type: header.type, generation: header.generation, step: header.step };
  if (header.generation < currentGeneration) {
    return new ProtocolError(
      'stale-generation',
      `${header.type} for step ${header.step} belongs to generation ${header.generation}, but membership changed since (now ${currentGeneration}); dropped.`,
      context,
    );
  }
  if (header.generation > currentGeneration) {
    return new ProtocolError(
      'future-generation',
      `${header.type} for step ${header.step} belongs to generation ${header.generation}, newer than this peer's ${currentGeneration}; it missed a WELCOME.`,
      context,
    );
  }
  return null;
}
