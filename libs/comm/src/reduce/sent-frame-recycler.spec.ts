import { SentFrameRecycler } from './sent-frame-recycler';

const values = Float32Array.of(1, 2, 3, 4);

function memoryOf(frame: Buffer): ArrayBufferLike {
  return frame.buffer;
}

describe('SentFrameRecycler', () => {
  it('reuses a frame only after a call begun after the frame\'s call ended has completed', () => {
    const recycler = new SentFrameRecycler(1 << 20);
    const first = recycler.begin();
    const sent = memoryOf(recycler.encode(first, values));
    const overlapping = recycler.begin(); // begun while the first still runs: its success proves nothing about the first's frames
    recycler.succeeded(first);
    recycler.succeeded(overlapping);
    const third = recycler.begin();
    expect(memoryOf(recycler.encode(third, values))).not.toBe(sent);
    recycler.succeeded(third); // begun after the first ended: the first's frame is read
    const fourth = recycler.begin();
    expect(memoryOf(recycler.encode(fourth, values))).toBe(sent);
  });

  it('never reuses the frames of a failed call, nor those sent before a new membership', () => {
    const recycler = new SentFrameRecycler(1 << 20);
    const failed = recycler.begin();
    const lost = memoryOf(recycler.encode(failed, values));
    recycler.failed(failed);
    const done = recycler.begin();
    const queued = memoryOf(recycler.encode(done, values));
    recycler.succeeded(done);
    recycler.forgetSent();
    for (let i = 0; i < 3; i++) {
      const call = recycler.begin();
      expect([lost, queued]).not.toContain(memoryOf(recycler.encode(call, values)));
      recycler.failed(call);
    }
  });

  it('encodes float16 bits', () => {
    const recycler = new SentFrameRecycler(1 << 20);
    const frame = recycler.encode(recycler.begin(), Float32Array.of(1, -2, 0.5));
    expect(Array.from(new Uint16Array(frame.buffer, frame.byteOffset, 3))).toEqual([0x3c00, 0xc000, 0x3800]);
  });

  it('lends float32 memory and copies of received frames under the same rule', () => {
    const recycler = new SentFrameRecycler(1 << 20);
    const first = recycler.begin();
    const floats = recycler.floats(first, 4);
    const received = Buffer.from(Float32Array.of(7, 8).buffer);
    const copy = recycler.copy(first, received);
    expect(copy).toEqual(received);
    expect(copy.buffer).not.toBe(received.buffer);
    recycler.succeeded(first);
    const second = recycler.begin(); // begun after the first ended: its success frees the first's memory
    expect(recycler.floats(second, 4).buffer).not.toBe(floats.buffer);
    recycler.succeeded(second);
    const third = recycler.begin();
    expect(recycler.floats(third, 4).buffer).toBe(floats.buffer);
    expect(recycler.copy(third, received).buffer).toBe(copy.buffer);
  });

  it('keeps free up to twice the largest call, beyond its minimum', () => {
    const recycler = new SentFrameRecycler(0);
    const memoryOfCall = (call: ReturnType<SentFrameRecycler['begin']>) => [recycler.floats(call, 1024).buffer, recycler.floats(call, 1024).buffer];
    const first = recycler.begin();
    const lent = memoryOfCall(first);
    recycler.succeeded(first);
    const second = recycler.begin();
    memoryOfCall(second);
    recycler.succeeded(second); // frees the first call's 8 KiB: within twice the largest call
    const third = recycler.begin();
    const reused = memoryOfCall(third);
    expect(new Set([...reused, ...lent]).size).toBe(2); // the very same two buffers
  });
});
