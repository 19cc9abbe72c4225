/** Why a message was refused. Stable strings: they also travel in ERROR messages. */
export type ProtocolErrorCode =
  /** No frames at all, or an empty header frame. */
  | 'empty-message'
  /** The header frame is not a msgpack map (truncated, garbage, trailing bytes). */
  | 'malformed-header'
  /** A header field is missing, of the wrong type or out of range. */
  | 'invalid-header'
  /** `type` names no message this protocol version knows. */
  | 'unknown-type'
  /** `protocol` differs from this build's PROTOCOL_VERSION. */
  | 'wrong-version'
  /** The number of float frames differs from the header's declaration. */
  | 'frame-count-mismatch'
  /** A float frame's byte length differs from its declared element count. */
  | 'frame-size-mismatch'
  /** A declared or actual size is above the receiver's DecodeLimits. */
  | 'too-large'
  /** The message belongs to a generation older than the receiver's. */
  | 'stale-generation'
  /** The message belongs to a generation newer than the receiver knows. */
  | 'future-generation'
  /** A well-formed message that does not fit the receiver's state (wrong bucket layout, duplicate, unknown peer). */
  | 'unexpected-message';

/** Where the offending message claimed to belong, when that much could be read. */
export interface ProtocolErrorContext {
  readonly type?: string;
  readonly generation?: number;
  readonly step?: number;
}

/**
 * A message that was refused, with a reason a person can act on. Decoders
 * return it as a value (`DecodeResult`) so that a receive loop never throws
 * on bad input; `decodeMessageOrThrow` and the reducers throw it.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    readonly context: ProtocolErrorContext = {},
  ) {
    super(message);
  }
}
