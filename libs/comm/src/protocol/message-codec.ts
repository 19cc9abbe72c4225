import { pack, unpack } from 'msgpackr';
import { bytesPerElement, floatsFromFrame, frameFromFloats } from './float-frames';
import {
  type FloatDtype,
  type HeaderOf,
  MESSAGE_SCHEMAS,
  MESSAGE_TYPES,
  type MessageHeader,
  type MessageInit,
  type MessageType,
  PAYLOAD_TYPES,
  type PayloadDescriptor,
  isMessageType,
} from './messages';
import { ProtocolError, type ProtocolErrorContext } from './protocol-error';
import { PROTOCOL_VERSION } from './protocol-version';

/** Sizes above which a receiver refuses a message before reading it further. */
export interface DecodeLimits {
  /** Largest header frame, in bytes. */
  readonly maxHeaderBytes: number;
  /** Largest single float frame, in bytes, declared or actual. */
  readonly maxFrameBytes: number;
  /** Most float frames after one header. */
  readonly maxFrames: number;
  /** Largest total of all float frames of one message, in bytes. */
  readonly maxPayloadBytes: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = Object.freeze({
  maxHeaderBytes: 1 << 20,
  maxFrameBytes: 256 << 20,
  maxFrames: 4096,
  maxPayloadBytes: 1 << 30,
});

/** A decoded, validated message. */
export interface Envelope<H extends MessageHeader = MessageHeader> {
  readonly header: H;
  /**
   * Floats of each payload frame, in order; empty when the message has none.
   * Aligned f32 frames are views over the received memory (no copy); the
   * receiver owns that memory and may mutate it. Decoded on first read (f16
   * frames into new arrays): a receiver may decode `frames` itself instead.
   */
  readonly payload: readonly Float32Array[];
  /** The payload frames exactly as received (f16 still encoded), for forwarding without re-encoding. */
  readonly frames: readonly Buffer[];
}

/** Outcome of decoding: never throws, so a receive loop survives any input. */
export type DecodeResult =
  | { readonly ok: true; readonly envelope: Envelope }
  | { readonly ok: false; readonly error: ProtocolError };

/** Float frames to send after a header. */
export type PayloadInit =
  | {
      /** Wire type; 'f16' compresses (see float16.ts for the accuracy). Default 'f32'. */
      readonly dtype?: FloatDtype;
      /** f32 values are sent without copying: do not mutate them until the peer has them. */
      readonly values: readonly Float32Array[];
    }
  | {
      readonly dtype: FloatDtype;
      /** Frames already in wire form (e.g. received ones being forwarded). */
      readonly encoded: readonly Uint8Array[];
    };

/** Narrows an envelope to one message type. */
export function isEnvelopeOf<T extends MessageType>(envelope: Envelope, type: T): envelope is Envelope<HeaderOf<T>> {
  return envelope.header.type === type;
}

function fail(code: ProtocolError['code'], message: string, context: ProtocolErrorContext = {}): DecodeResult {
  return { ok: false, error: new ProtocolError(code, message, context) };
}

function contextOf(raw: Record<string, unknown>): ProtocolErrorContext {
  return {
    type: typeof raw.type === 'string' ? raw.type : undefined,
    generation: typeof raw.generation === 'number' ? raw.generation : undefined,
    step: typeof raw.step === 'number' ? raw.step : undefined,
  };
}

function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(header)'}: ${issue.message}`)
    .join('; ');
}

/**
 * Decodes `[header, ...floatFrames]` (routing-id frame already removed).
 * Checks, in order: a header frame exists and is within limits; it is a
 * msgpack map; `protocol` equals PROTOCOL_VERSION; `type` is known; the
 * fields match that type's schema; the declared frames are within limits;
 * the frame count and every frame's byte length match the declaration.
 */
export function decodeMessage(frames: readonly Uint8Array[], limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodeResult {
  const headerFrame = frames[0];
  if (headerFrame === undefined || headerFrame.byteLength === 0) {
    return fail('empty-message', 'Received a message without a header frame; every message must start with a msgpack header.');
  }
  if (headerFrame.byteLength > limits.maxHeaderBytes) {
    return fail(
      'too-large',
      `Header frame of ${headerFrame.byteLength} bytes exceeds the limit of ${limits.maxHeaderBytes}; floats belong in frames after the header.`,
    );
  }
  let raw: unknown;
  try {
    raw = unpack(headerFrame);
  } catch (error) {
    return fail('malformed-header', `Header frame is not valid msgpack (${(error as Error).message}); is the sender a Ganglion peer?`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || raw instanceof Uint8Array || raw instanceof Map) {
    return fail('malformed-header', `Header must be a msgpack map with string keys, got ${Array.isArray(raw) ? 'an array' : typeof raw}.`);
  }
  const fields = raw as Record<string, unknown>;
  const context = contextOf(fields);
  if (fields.protocol !== PROTOCOL_VERSION) {
    return fail(
      'wrong-version',
      `Peer speaks protocol ${JSON.stringify(fields.protocol)}, this build speaks ${PROTOCOL_VERSION}; deploy the same Ganglion version on every machine.`,
      context,
    );
  }
  if (!isMessageType(fields.type)) {
    return fail(
      'unknown-type',
      `Unknown message type ${JSON.stringify(fields.type)}; known types: ${MESSAGE_TYPES.join(', ')}.`,
      context,
    );
  }
  const parsed = MESSAGE_SCHEMAS[fields.type].safeParse(fields);
  if (!parsed.success) {
    return fail('invalid-header', `Invalid ${fields.type} header: ${describeIssues(parsed.error.issues)}.`, context);
  }
  const header = parsed.data as MessageHeader;
  const descriptor: PayloadDescriptor | undefined = 'payload' in header ? header.payload : undefined;
  const floatFrames = frames.slice(1);
  if (descriptor === undefined) {
    if (floatFrames.length > 0) {
      return fail(
        'frame-count-mismatch',
        `${header.type} declares no float frames but ${floatFrames.length} followed the header.`,
        context,
      );
    }
    return { ok: true, envelope: { header, payload: [], frames: [] } };
  }
  const elementBytes = bytesPerElement(descriptor.dtype);
  if (descriptor.lengths.length > limits.maxFrames) {
    return fail('too-large', `${header.type} declares ${descriptor.lengths.length} frames, above the limit of ${limits.maxFrames}.`, context);
  }
  let total = 0;
  for (const [index, length] of descriptor.lengths.entries()) {
    const bytes = length * elementBytes;
    if (bytes > limits.maxFrameBytes) {
      return fail(
        'too-large',
        `${header.type} frame ${index} declares ${length} ${descriptor.dtype} values (${bytes} bytes), above the frame limit of ${limits.maxFrameBytes} bytes.`,
        context,
      );
    }
    total += bytes;
  }
  if (total > limits.maxPayloadBytes) {
    return fail('too-large', `${header.type} declares ${total} payload bytes, above the limit of ${limits.maxPayloadBytes}.`, context);
  }
  if (floatFrames.length !== descriptor.lengths.length) {
    return fail(
      'frame-count-mismatch',
      `${header.type} declares ${descriptor.lengths.length} float frames but ${floatFrames.length} followed the header.`,
      context,
    );
  }
  for (const [index, frame] of floatFrames.entries()) {
    const expected = descriptor.lengths[index] * elementBytes;
    if (frame.byteLength !== expected) {
      return fail(
        'frame-size-mismatch',
        `${header.type} frame ${index} has ${frame.byteLength} bytes but declares ${descriptor.lengths[index]} ${descriptor.dtype} values (${expected} bytes).`,
        context,
      );
    }
  }
  const wire = floatFrames.map((frame) => (Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)));
  return { ok: true, envelope: new ReceivedEnvelope(header, wire, descriptor.dtype) };
}

/**
 * A received message whose payload is decoded on first read: a receiver
 * that decodes f16 frames into memory of its own (the ring's all-gather
 * writes them straight into the result) never pays for an array it would
 * only copy from.
 *
 * A class, not an object literal with a getter: a literal's getter is a
 * new closure per message, so V8 gave every envelope a hidden class of its
 * own, allocated in old space, and through it the received frames outlived
 * every minor GC: megabytes of external memory per step that only a full
 * GC could free, and that brought the next one closer (BENCHMARKS.md,
 * "Why received frames outlived the scavenges").
 */
class ReceivedEnvelope implements Envelope {
  private decoded: Float32Array[] | undefined;

  constructor(
    readonly header: MessageHeader,
    readonly frames: readonly Buffer[],
    private readonly dtype: FloatDtype,
  ) {}

  get payload(): readonly Float32Array[] {
    this.decoded ??= this.frames.map((frame) => floatsFromFrame(frame, this.dtype));
    return this.decoded;
  }
}

/** decodeMessage for callers that prefer an exception: throws the ProtocolError. */
export function decodeMessageOrThrow(frames: readonly Uint8Array[], limits?: DecodeLimits): Envelope {
  const result = decodeMessage(frames, limits);
  if (!result.ok) {
    throw result.error;
  }
  return result.envelope;
}

function payloadFrames(type: MessageType, payload: PayloadInit): { descriptor: PayloadDescriptor; frames: Buffer[] } {
  const dtype = payload.dtype ?? 'f32';
  if ('values' in payload) {
    return {
      descriptor: { dtype, lengths: payload.values.map((values) => values.length) },
      frames: payload.values.map((values) => frameFromFloats(values, dtype)),
    };
  }
  const elementBytes = bytesPerElement(dtype);
  const lengths = payload.encoded.map((frame, index) => {
    if (frame.byteLength % elementBytes !== 0) {
      throw new ProtocolError(
        'frame-size-mismatch',
        `Cannot send ${type}: encoded frame ${index} has ${frame.byteLength} bytes, not a multiple of ${elementBytes} (${dtype}).`,
      );
    }
    return frame.byteLength / elementBytes;
  });
  const frames = payload.encoded.map((frame) => (Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)));
  return { descriptor: { dtype, lengths }, frames };
}

/**
 * Encodes a message as `[header, ...floatFrames]`. Sets `protocol` and
 * derives `payload` from the frames; validates the header against its
 * schema so that a sender's bug fails here, with the field named, rather
 * than at the receiver. Throws ProtocolError.
 *
 * f32 payload frames share memory with the given arrays (no copy).
 */
export function encodeMessage(init: MessageInit, payload?: PayloadInit): Buffer[] {
  const type = init.type;
  if (payload !== undefined && !PAYLOAD_TYPES.has(type)) {
    throw new ProtocolError('invalid-header', `${type} messages carry no float frames; drop the payload.`);
  }
  const { protocol: _protocol, payload: _payload, ...fields } = init as MessageInit & { protocol?: unknown; payload?: unknown };
  const body = payload === undefined ? undefined : payloadFrames(type, payload);
  const header = { ...fields, protocol: PROTOCOL_VERSION, ...(body ? { payload: body.descriptor } : {}) };
  const parsed = MESSAGE_SCHEMAS[type].safeParse(header);
  if (!parsed.success) {
    throw new ProtocolError('invalid-header', `Cannot send ${type}: ${describeIssues(parsed.error.issues)}.`, {
      type,
      generation: init.generation,
      step: init.step,
    });
  }
  return [Buffer.from(pack(header)), ...(body?.frames ?? [])];
}
