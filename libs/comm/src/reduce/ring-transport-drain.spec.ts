import type { Membership } from './gradient-reducer';
import { RingTransport, ringKey } from './ring-transport';

/**
 * The ring stall of issue 10: a rank finishes its last allreduce while its
 * own last forward may still sit in its PUSH queue (an awaited send() only
 * means queued). Closing right then with linger 0 threw that frame away
 * and the right neighbour waited for it until ReduceTimeoutError. close()
 * now lets queued frames leave first.
 */

jest.setTimeout(60_000);

const FLOATS = 8 * 1024 * 1024; // 32 MiB: far more than the kernel's socket buffers hold, so most of it is still queued at close()

function membership(rank: number, peers: readonly string[]): Membership {
  return { generation: 1, rank, worldSize: 2, peers };
}

describe('RingTransport.close()', () => {
  it('delivers a large frame that was queued just before close (the neighbour is not left waiting)', async () => {
    const sender = await RingTransport.bind();
    const receiver = await RingTransport.bind();
    try {
      const peers = [sender.endpoint, receiver.endpoint];
      sender.connect(membership(0, peers));
      receiver.connect(membership(1, peers));
      const values = new Float32Array(FLOATS);
      for (let i = 0; i < values.length; i += 4096) values[i] = i;
      values[FLOATS - 1] = -7;
      await sender.send(
        { type: 'RING_CHUNK', generation: 1, step: 0, rank: 0, phase: 0, bucket: 0, round: 0, chunk: 0, weightSum: 1 },
        { values: [values] },
      );
      await sender.close(); // at once, as a rank does after its last allreduce

      const arrived = await receiver.take(ringKey(1, 0, 0, 0, 0), (envelope) => envelope, { timeoutMs: 30_000 });
      const received = arrived.payload[0];
      expect(received).toHaveLength(FLOATS);
      expect([received[4096], received[FLOATS - 4096], received[FLOATS - 1]]).toEqual([4096, FLOATS - 4096, -7]);
    } finally {
      await sender.close();
      await receiver.close();
    }
  });
});
