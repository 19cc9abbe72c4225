/**
 * Float32Arrays lent by length and given back, for values a reducer needs
 * only while a call runs (the ring's decoded f16 chunks): reused memory is
 * already paged in, where a fresh array costs a page fault per 4 KiB on
 * first write. Never lend an array that is being sent: zeromq.js does not
 * copy frames. Holds at most `maxBytes` of free arrays.
 */
export class FloatScratch {
  private readonly free = new Map<number, Float32Array[]>();
  private freeBytes = 0;

  constructor(private readonly maxBytes: number) {}

  take(length: number): Float32Array {
    const reused = this.free.get(length)?.pop();
    if (reused === undefined) return new Float32Array(length);
    this.freeBytes -= reused.byteLength;
    return reused;
  }

  give(array: Float32Array): void {
    if (this.freeBytes + array.byteLength > this.maxBytes) return;
    const list = this.free.get(array.length);
    if (list === undefined) this.free.set(array.length, [array]);
    else list.push(array);
    this.freeBytes += array.byteLength;
  }
}
