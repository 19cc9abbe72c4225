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
});
