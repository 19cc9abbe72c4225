import { checkGeneration } from '../protocol/check-generation';
import { floatsFromFrame, frameFromFloats } from '../protocol/float-frames';
import { SimdFloat16 } from '../protocol/simd/simd-float16';
import type { Envelope, PayloadInit } from '../protocol/message-codec';
import type { FloatDtype, GradsHeader, MessageInit } from '../protocol/messages';
import { ProtocolError } from '../protocol/protocol-error';
import type { PeerId } from '../transport/coordinator-socket';
import { weightedMeanOf } from './weighted-mean';

/** What a StarAggregator needs of the coordinator's socket (a CoordinatorSocket). */
export interface StarCoordinatorTransport {
  send(peer: PeerId, init: MessageInit, payload?: PayloadInit): Promise<void>;
}

export interface StarAggregatorOptions {
  /** Most buckets summed at once; GRADS beyond it are refused. Default 65536. */
  readonly maxPendingBuckets?: number;
}

/** What accept() did with one GRADS. */
export type StarAcceptResult =
  | { readonly status: 'pending'; readonly received: number; readonly expected: number }
  | {
      readonly status: 'reduced';
      readonly step: number;
      readonly phase: number;
      readonly bucket: number;
      readonly weightSum: number;
      /** Members the AVG could not be sent to (gone): start a membership change. */
      readonly failed: readonly { readonly peer: PeerId; readonly error: Error }[];
    }
  | { readonly status: 'refused'; readonly error: ProtocolError };

interface PendingBucket {
  readonly header: GradsHeader;
  readonly parts: ({ values: Float32Array; weight: number; dtype: FloatDtype } | undefined)[];
  received: number;
}

/**
 * Coordinator side of the star strategy. The coordinator's receive loop
 * hands it every GRADS:
 *
 * ```ts
 * const aggregator = new StarAggregator(socket);
 * aggregator.setMembership(generation, peersByRank);   // after each re-rank
 * for await (const incoming of socket) {
 *   if (incoming.ok && isEnvelopeOf(incoming.envelope, 'GRADS')) {
 *     const result = await aggregator.accept(incoming.peer, incoming.envelope);
 *     if (result.status === 'refused') await socket.send(incoming.peer, { type: 'ERROR', ... });
 *     if (result.status === 'reduced' && result.failed.length > 0) startMembershipChange();
 *   }
 * }
 * ```
 *
 * Protocol, per (step, phase, bucket) of the current generation:
 * 1. Check the GRADS: generation current, sender a member whose rank is
 *    the one in the header, layout (bucketCount, offset, length,
 *    totalLength) equal to the other ranks', no second copy from a rank.
 * 2. Keep the frame (a view of the received memory, no copy) until every
 *    member has sent that bucket.
 * 3. Compute sum_r(w_r v_r) / sum_r(w_r) in rank order in float64, round to
 *    float32 once (deterministic whatever the arrival order), and send the
 *    same AVG buffer to every member: f16 when every rank sent f16, else f32.
 *    The buffer is fresh and never touched again (zeromq.js sends it
 *    without copying).
 * setMembership() drops every partial sum: after a membership change the
 * workers restart the step under the new generation.
 */
export class StarAggregator {
  private currentGeneration = -1;
  private members: readonly PeerId[] = [];
  private readonly pending = new Map<string, PendingBucket>();
  private readonly maxPendingBuckets: number;
  /** fp16 GRADS decoded and AVG encoded in WebAssembly SIMD (same bits as the scalar functions). */
  private readonly float16 = new SimdFloat16();

  constructor(
    private readonly transport: StarCoordinatorTransport,
    options: StarAggregatorOptions = {},
  ) {
    this.maxPendingBuckets = options.maxPendingBuckets ?? 65_536;
  }

  get generation(): number {
    return this.currentGeneration;
  }

  /** Number of buckets waiting for some ranks. */
  get pendingBuckets(): number {
    return this.pending.size;
  }

  /**
   * Ranks that have not sent GRADS for a bucket of (step, phase) that
   * other ranks did send: who a stalled star reduction waits for. Empty
   * when no bucket of it is partial.
   */
  missingRanks(step: number, phase: number): number[] {
    const missing = new Set<number>();
    const prefix = `${step}/${phase}/`;
    for (const [key, bucket] of this.pending) {
      if (!key.startsWith(prefix)) continue;
      bucket.parts.forEach((part, rank) => {
        if (part === undefined) missing.add(rank);
      });
    }
    return [...missing].sort((a, b) => a - b);
  }

  /** Adopts a generation and its members (peer ids indexed by rank); forgets all partial sums. */
  setMembership(generation: number, peersByRank: readonly PeerId[]): void {
    if (peersByRank.length === 0) {
      throw new RangeError('StarAggregator needs at least one member.');
    }
    if (new Set(peersByRank).size !== peersByRank.length) {
      throw new RangeError(`StarAggregator members must be distinct peers, got ${JSON.stringify(peersByRank)}.`);
    }
    this.currentGeneration = generation;
    this.members = [...peersByRank];
    this.pending.clear();
  }

  async accept(peer: PeerId, envelope: Envelope<GradsHeader>): Promise<StarAcceptResult> {
    const { header } = envelope;
    const refuse = (message: string): StarAcceptResult => ({
      status: 'refused',
      error: new ProtocolError('unexpected-message', message, { type: 'GRADS', generation: header.generation, step: header.step }),
    });
    const generationError = checkGeneration(header, this.currentGeneration);
    if (generationError !== null) {
      return { status: 'refused', error: generationError };
    }
    if (this.members[header.rank] !== peer) {
      return refuse(
        `GRADS from ${JSON.stringify(peer)} claims rank ${header.rank}, but that rank belongs to ${JSON.stringify(this.members[header.rank] ?? null)} in generation ${this.currentGeneration}.`,
      );
    }
    const key = `${header.step}/${header.phase}/${header.bucket}`;
    let bucket = this.pending.get(key);
    if (bucket === undefined) {
      if (this.pending.size >= this.maxPendingBuckets) {
        return refuse(`${this.maxPendingBuckets} buckets are already waiting for other ranks; some rank is far behind or sends garbage.`);
      }
      bucket = { header, parts: new Array(this.members.length).fill(undefined), received: 0 };
      this.pending.set(key, bucket);
    } else {
      const first = bucket.header;
      const length = header.payload.lengths[0];
      const firstLength = first.payload.lengths[0];
      if (first.bucketCount !== header.bucketCount || first.offset !== header.offset || first.totalLength !== header.totalLength || firstLength !== length) {
        return refuse(
          `GRADS bucket ${key} (step/phase/bucket) from rank ${header.rank} covers [${header.offset}, +${length}) of ${header.totalLength} in ${header.bucketCount} buckets, but rank ${first.rank} sent [${first.offset}, +${firstLength}) of ${first.totalLength} in ${first.bucketCount}; every rank must reduce the same variables with the same bucketBytes.`,
        );
      }
      if (bucket.parts[header.rank] !== undefined) {
        return refuse(`Rank ${header.rank} sent GRADS bucket ${key} (step/phase/bucket) twice.`);
      }
    }
    bucket.parts[header.rank] = { values: floatsFromFrame(envelope.frames[0], header.payload.dtype, this.float16), weight: header.weight, dtype: header.payload.dtype };
    bucket.received += 1;
    if (bucket.received < this.members.length) {
      return { status: 'pending', received: bucket.received, expected: this.members.length };
    }
    this.pending.delete(key);
    return this.broadcast(bucket);
  }

  private async broadcast(bucket: PendingBucket): Promise<StarAcceptResult> {
    const parts = bucket.parts.map((part) => part as NonNullable<typeof part>);
    const { step, phase, bucket: index, bucketCount, offset, totalLength } = bucket.header;
    const length = bucket.header.payload.lengths[0];
    const mean = weightedMeanOf(parts, length);
    const weightSum = parts.reduce((sum, part) => sum + part.weight, 0);
    const dtype: FloatDtype = parts.every((part) => part.dtype === 'f16') ? 'f16' : 'f32';
    const members = this.members;
    const init: MessageInit = {
      type: 'AVG',
      generation: this.currentGeneration,
      step,
      phase,
      bucket: index,
      bucketCount,
      offset,
      totalLength,
      weightSum,
    };
    // Encode once and send the same frames to every member (zero-copy; never reused).
    const frame = frameFromFloats(mean, dtype, this.float16);
    const results = await Promise.allSettled(members.map((peer) => this.transport.send(peer, init, { dtype, encoded: [frame] })));
    const failed = results.flatMap((result, rank) =>
      result.status === 'rejected'
        ? [{ peer: members[rank], error: result.reason instanceof Error ? result.reason : new Error(String(result.reason)) }]
        : [],
    );
    return { status: 'reduced', step, phase, bucket: index, weightSum, failed };
  }
}
