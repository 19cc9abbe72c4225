import { endianness } from 'node:os';
import { type Float16Codec, SCALAR_FLOAT16 } from './float16';
import type { FloatDtype } from './messages';

/** Bytes per element on the wire. */
export function bytesPerElement(dtype: FloatDtype): number {
  return dtype === 'f32' ? 4 : 2;
}

function assertLittleEndian(): void {
  if (endianness() !== 'LE') {
    throw new Error('Ganglion frames are little-endian floats; this host is big-endian and is not supported.');
  }
}

/**
 * A frame to send for `values`. For f32 the Buffer is a view over the same
 * memory (no copy): zeromq.js does not copy frames above 128 bytes either,
 * so `values` must not be mutated until the peer has received the message
 * (awaiting `send` only means it was queued). For f16 a new buffer is
 * returned, encoded by `float16` (e.g. a SimdFloat16).
 */
export function frameFromFloats(values: Float32Array, dtype: FloatDtype, float16: Float16Codec = SCALAR_FLOAT16): Buffer {
  assertLittleEndian();
  if (dtype === 'f32') {
    return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  }
  const half = float16.encode(values, new Uint16Array(values.length));
  return Buffer.from(half.buffer, half.byteOffset, half.byteLength);
}

/**
 * Floats of a received frame whose size was already checked. f32 frames
 * are viewed without copying when the frame starts on a 4-byte boundary of
 * its ArrayBuffer and copied when not (typed arrays need aligned offsets);
 * f16 frames are decoded (by `float16`) into a new array. The view shares
 * memory with the frame: the caller owns both.
 */
export function floatsFromFrame(frame: Uint8Array, dtype: FloatDtype, float16: Float16Codec = SCALAR_FLOAT16): Float32Array {
  assertLittleEndian();
  if (dtype === 'f32') {
    const length = frame.byteLength / 4;
    if (frame.byteOffset % 4 === 0) {
      return new Float32Array(frame.buffer, frame.byteOffset, length);
    }
    const copy = new Float32Array(length);
    new Uint8Array(copy.buffer).set(frame);
    return copy;
  }
  const length = frame.byteLength / 2;
  let half: Uint16Array;
  if (frame.byteOffset % 2 === 0) {
    half = new Uint16Array(frame.buffer, frame.byteOffset, length);
  } else {
    half = new Uint16Array(length);
    new Uint8Array(half.buffer).set(frame);
  }
  return float16.decode(half, new Float32Array(length));
}

/**
 * Writes the floats of a received frame (size already checked) into
 * `target`, of the frame's length: f16 frames decoded straight into it (by
 * `float16`, e.g. a SimdFloat16), f32 frames copied. Unlike floatsFromFrame,
 * no array is allocated.
 */
export function readFloatsInto(frame: Uint8Array, dtype: FloatDtype, target: Float32Array, float16: Float16Codec = SCALAR_FLOAT16): Float32Array {
  assertLittleEndian();
  const length = frame.byteLength / bytesPerElement(dtype);
  if (length !== target.length) {
    throw new RangeError(`readFloatsInto: the frame holds ${length} ${dtype} values but the target ${target.length}.`);
  }
  if (dtype === 'f32') {
    new Uint8Array(target.buffer, target.byteOffset, target.byteLength).set(frame);
    return target;
  }
  const half = frame.byteOffset % 2 === 0 ? new Uint16Array(frame.buffer, frame.byteOffset, length) : new Uint16Array(frame.slice().buffer, 0, length);
  return float16.decode(half, target);
}
