import { decodeMessageOrThrow, type Envelope, encodeMessage, type PayloadInit } from '../protocol/message-codec';
import type { AvgHeader, GradsHeader, MessageInit } from '../protocol/messages';
import { StarAggregator } from './star-aggregator';

/** Records what the aggregator sends, decoded as a worker would see it. */
class RecordingTransport {
  readonly sent: { peer: string; envelope: Envelope<AvgHeader> }[] = [];
  readonly unreachable = new Set<string>();

  async send(peer: string, init: MessageInit, payload?: PayloadInit): Promise<void> {
    if (this.unreachable.has(peer)) throw new Error(`no route to ${peer}`);
    this.sent.push({ peer, envelope: decodeMessageOrThrow(encodeMessage(init, payload)) as Envelope<AvgHeader> });
  }
}

function grads(
  rank: number,
  values: number[],
  options: Partial<Omit<GradsHeader, 'type' | 'protocol' | 'payload'>> & { dtype?: 'f32' | 'f16' } = {},
): Envelope<GradsHeader> {
  const { dtype, ...fields } = options;
  const init = {
    type: 'GRADS' as const,
    generation: 1,
    step: 4,
    rank,
    phase: 0,
    bucket: 0,
    bucketCount: 1,
    offset: 0,
    totalLength: values.length,
    weight: 1,
    ...fields,
  };
  return decodeMessageOrThrow(encodeMessage(init, { dtype, values: [Float32Array.from(values)] })) as Envelope<GradsHeader>;
}

describe('StarAggregator', () => {
  it('answers every member with the weighted mean once all ranks sent a bucket', async () => {
    const transport = new RecordingTransport();
    const aggregator = new StarAggregator(transport);
    aggregator.setMembership(1, ['a', 'b', 'c']);
    expect(await aggregator.accept('b', grads(1, [4, 8], { weight: 3 }))).toEqual({ status: 'pending', received: 1, expected: 3 });
    expect(await aggregator.accept('a', grads(0, [1, 2], { weight: 1 }))).toMatchObject({ status: 'pending', received: 2 });
    expect(transport.sent).toHaveLength(0);
    expect(aggregator.missingRanks(4, 0)).toEqual([2]); // who a stalled star reduction waits for
    expect(aggregator.missingRanks(4, 1)).toEqual([]);
    const done = await aggregator.accept('c', grads(2, [0, 0], { weight: 0 }));
    expect(done).toEqual({ status: 'reduced', step: 4, phase: 0, bucket: 0, weightSum: 4, failed: [] });
    expect(transport.sent.map((s) => s.peer)).toEqual(['a', 'b', 'c']);
    for (const { envelope } of transport.sent) {
      expect(envelope.header).toMatchObject({ type: 'AVG', generation: 1, step: 4, weightSum: 4, payload: { dtype: 'f32' } });
      expect(Array.from(envelope.payload[0])).toEqual([(1 + 12) / 4, (2 + 24) / 4]);
    }
    expect(aggregator.pendingBuckets).toBe(0);
    expect(aggregator.missingRanks(4, 0)).toEqual([]);
  });

  it('gives the same bytes whatever the arrival order', async () => {
    const parts = [
      [0.1, 1e-8, 3.3],
      [0.7, -2e-8, 1e7],
      [0.3, 5e-9, -1e7],
    ];
    const results: string[] = [];
    for (const order of [[0, 1, 2], [2, 1, 0], [1, 2, 0]]) {
      const transport = new RecordingTransport();
      const aggregator = new StarAggregator(transport);
      aggregator.setMembership(1, ['a', 'b', 'c']);
      for (const rank of order) await aggregator.accept('abc'[rank], grads(rank, parts[rank], { weight: rank + 1.5 }));
      results.push(Buffer.from(transport.sent[0].envelope.frames[0]).toString('hex'));
    }
    expect(new Set(results).size).toBe(1);
  });

  it('refuses stale generations, impostors, duplicates and mismatched layouts', async () => {
    const aggregator = new StarAggregator(new RecordingTransport());
    aggregator.setMembership(2, ['a', 'b']);
    const stale = await aggregator.accept('a', grads(0, [1], { generation: 1 }));
    expect(stale.status === 'refused' && stale.error.code).toBe('stale-generation');
    const future = await aggregator.accept('a', grads(0, [1], { generation: 3 }));
    expect(future.status === 'refused' && future.error.code).toBe('future-generation');
    const impostor = await aggregator.accept('b', grads(0, [1], { generation: 2 }));
    expect(impostor.status === 'refused' && impostor.error.message).toMatch(/claims rank 0, but that rank belongs to "a"/);
    expect((await aggregator.accept('a', grads(0, [1, 2], { generation: 2 }))).status).toBe('pending');
    const duplicate = await aggregator.accept('a', grads(0, [1, 2], { generation: 2 }));
    expect(duplicate.status === 'refused' && duplicate.error.message).toMatch(/sent GRADS bucket 4\/0\/0 \(step\/phase\/bucket\) twice/);
    const mismatch = await aggregator.accept('b', grads(1, [1, 2, 3], { generation: 2 }));
    expect(mismatch.status === 'refused' && mismatch.error.message).toMatch(/covers \[0, \+3\) of 3 in 1 buckets, but rank 0 sent \[0, \+2\) of 2/);
  });

  it('forgets partial sums on a membership change and reports members it could not reach', async () => {
    const transport = new RecordingTransport();
    const aggregator = new StarAggregator(transport);
    aggregator.setMembership(1, ['a', 'b']);
    await aggregator.accept('a', grads(0, [1]));
    expect(aggregator.pendingBuckets).toBe(1);
    aggregator.setMembership(2, ['a', 'b']);
    expect(aggregator.pendingBuckets).toBe(0);
    transport.unreachable.add('b');
    await aggregator.accept('a', grads(0, [1], { generation: 2 }));
    const result = await aggregator.accept('b', grads(1, [3], { generation: 2 }));
    expect(result.status === 'reduced' && result.failed.map((f) => f.peer)).toEqual(['b']);
    expect(transport.sent.map((s) => s.peer)).toEqual(['a']);
    expect(() => aggregator.setMembership(3, ['a', 'a'])).toThrow(/distinct/);
  });

  it('answers in f16 when every rank compressed', async () => {
    const transport = new RecordingTransport();
    const aggregator = new StarAggregator(transport);
    aggregator.setMembership(1, ['a', 'b']);
    await aggregator.accept('a', grads(0, [1 / 3], { dtype: 'f16' }));
    await aggregator.accept('b', grads(1, [1 / 3], { dtype: 'f16' }));
    expect(transport.sent[0].envelope.header.payload.dtype).toBe('f16');
    expect(transport.sent[0].envelope.payload[0][0]).toBeCloseTo(1 / 3, 3);
  });
});
