import { type Float16Codec, SCALAR_FLOAT16 } from '../protocol/float16';

/** One allreduce's claim on the recycler: its id, and the finished calls whose frames its success frees. */
export interface RecyclerCall {
  readonly id: number;
  readonly frees: readonly number[];
}

/**
 * Memory for the frames a RingReducer sends from (all but round 0's views
 * of the caller's input), reused from call to call. zeromq.js sends
 * without copying and an awaited send only means queued, so a frame's
 * memory is free only once its peer has read it. The ring proves that for
 * us: a frame sent during call k went out on the same PUSH, first in first
 * out, before any frame of a call c that began after k ended; c cannot
 * complete on this rank before the right neighbour has read c's first frame
 * (every chunk's mean passes through it). So when c completes, k's frames
 * are free. A failed call, or a new membership (a new PUSH), frees nothing:
 * that memory is simply left to the garbage collector.
 *
 * Why not forward the frames received from the left as they are: each is
 * zeromq.js's external memory, and one held until libzmq has written it
 * out lives through two scavenges while the other buckets' chunks arrive,
 * so V8 promotes it and only a Mark-Compact frees it (libs/comm README,
 * "External memory and scavenges"). Copied into recycled memory, a
 * received frame is dropped as soon as it is read and dies young.
 *
 * Holds free memory up to the larger of `minFreeBytes` and twice what the
 * largest call so far lent (a call's frames wait for the next call), so a
 * steady run of same-sized calls allocates nothing.
 */
export class SentFrameRecycler {
  private nextId = 1;
  /** Memory of calls still running (finished: false) or finished but not yet proven read. */
  private readonly calls = new Map<number, { finished: boolean; lent: ArrayBuffer[]; lentBytes: number }>();
  /** Free memory by byte length. */
  private readonly free = new Map<number, ArrayBuffer[]>();
  private freeBytes = 0;
  private largestCallBytes = 0;

  /**
   * @param minFreeBytes free memory kept at least (see above)
   * @param float16 how encode() converts to f16 (the ring passes its SimdFloat16)
   */
  constructor(
    private readonly minFreeBytes: number,
    private readonly float16: Float16Codec = SCALAR_FLOAT16,
  ) {}

  begin(): RecyclerCall {
    const id = this.nextId++;
    const frees = [...this.calls].filter(([, call]) => call.finished).map(([finishedId]) => finishedId);
    this.calls.set(id, { finished: false, lent: [], lentBytes: 0 });
    return { id, frees };
  }

  /** `length` floats of recycled memory lent to `call`, to compute a chunk in and send it from (f32). */
  floats(call: RecyclerCall, length: number): Float32Array {
    return new Float32Array(this.lend(call, length * 4), 0, length);
  }

  /** Encodes `values` as f16 into recycled memory lent to `call` and returns the frame to send. */
  encode(call: RecyclerCall, values: Float32Array): Buffer {
    const memory = this.lend(call, values.length * 2);
    this.float16.encode(values, new Uint16Array(memory, 0, values.length));
    return Buffer.from(memory);
  }

  /** A copy of `frame` (a received one, to forward) in recycled memory lent to `call`. */
  copy(call: RecyclerCall, frame: Uint8Array): Buffer {
    const copy = Buffer.from(this.lend(call, frame.byteLength));
    copy.set(frame);
    return copy;
  }

  /** The call completed on this rank: its memory waits for a later call; the memory it proves read is free again. */
  succeeded(call: RecyclerCall): void {
    const own = this.calls.get(call.id);
    if (own !== undefined) {
      own.finished = true;
      this.largestCallBytes = Math.max(this.largestCallBytes, own.lentBytes);
    }
    for (const id of call.frees) {
      for (const memory of this.calls.get(id)?.lent ?? []) this.giveBack(memory);
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

  private lend(call: RecyclerCall, byteLength: number): ArrayBuffer {
    const reused = this.free.get(byteLength)?.pop();
    if (reused !== undefined) this.freeBytes -= byteLength;
    const memory = reused ?? new ArrayBuffer(byteLength);
    const claim = this.calls.get(call.id);
    if (claim !== undefined) {
      claim.lent.push(memory);
      claim.lentBytes += byteLength;
    }
    return memory;
  }

  private giveBack(memory: ArrayBuffer): void {
    if (this.freeBytes + memory.byteLength > Math.max(this.minFreeBytes, 2 * this.largestCallBytes)) return;
    const list = this.free.get(memory.byteLength);
    if (list === undefined) this.free.set(memory.byteLength, [memory]);
    else list.push(memory);
    this.freeBytes += memory.byteLength;
  }
}
