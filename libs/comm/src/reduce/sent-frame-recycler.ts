import { encodeFloat16 } from '../protocol/float16';

/** One allreduce's claim on the recycler: its id, and the finished calls whose frames its success frees. */
export interface RecyclerCall {
  readonly id: number;
  readonly frees: readonly number[];
}

/**
 * Memory for the f16 frames a RingReducer encodes and sends, reused from
 * call to call. zeromq.js sends without copying and an awaited send only
 * means queued, so a frame's memory is free only once its peer has read
 * it. The ring proves that for us: a frame sent during call k went out on
 * the same PUSH, first in first out, before any frame of a call c that began
 * after k ended; c cannot complete on this rank before the right neighbour
 * has read c's first frame (every chunk's mean passes through it). So when c
 * completes, k's frames are free. A failed call, or a new membership (a new
 * PUSH), frees nothing: that memory is simply left to the garbage collector.
 */
export class SentFrameRecycler {
  private nextId = 1;
  /** Frames of calls still running (finished: false) or finished but not yet proven read. */
  private readonly calls = new Map<number, { finished: boolean; frames: Uint16Array[] }>();
  private readonly free = new Map<number, Uint16Array[]>();
  private freeBytes = 0;

  constructor(private readonly maxFreeBytes: number) {}

  begin(): RecyclerCall {
    const id = this.nextId++;
    const frees = [...this.calls].filter(([, call]) => call.finished).map(([finishedId]) => finishedId);
    this.calls.set(id, { finished: false, frames: [] });
    return { id, frees };
  }

  /** Encodes `values` as f16 into recycled memory lent to `call` and returns the frame to send. */
  encode(call: RecyclerCall, values: Float32Array): Buffer {
    const reused = this.free.get(values.length)?.pop();
    if (reused !== undefined) this.freeBytes -= reused.byteLength;
    const target = reused ?? new Uint16Array(values.length);
    encodeFloat16(values, target);
    this.calls.get(call.id)?.frames.push(target);
    return Buffer.from(target.buffer, target.byteOffset, target.byteLength);
  }

  /** The call completed on this rank: its frames wait for a later call; the frames it proves read are free again. */
  succeeded(call: RecyclerCall): void {
    const own = this.calls.get(call.id);
    if (own !== undefined) own.finished = true;
    for (const id of call.frees) {
      for (const frame of this.calls.get(id)?.frames ?? []) this.giveBack(frame);
      this.calls.delete(id);
    }
  }

  /** The call failed: its frames may still be queued anywhere; never reuse them. */
  failed(call: RecyclerCall): void {
    this.calls.delete(call.id);
  }

  /** A new membership (a new PUSH): nothing sent before is proven read by anyone now. */
  forgetSent(): void {
    this.calls.clear();
  }

  private giveBack(frame: Uint16Array): void {
    if (this.freeBytes + frame.byteLength > this.maxFreeBytes) return;
    const list = this.free.get(frame.length);
    if (list === undefined) this.free.set(frame.length, [frame]);
    else list.push(frame);
    this.freeBytes += frame.byteLength;
  }
}
