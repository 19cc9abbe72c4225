import { bytesPerElement, frameFromFloats, readFloatsInto } from '../protocol/float-frames';
import type { Envelope } from '../protocol/message-codec';
import type { FloatDtype, RingChunkHeader } from '../protocol/messages';
import { ProtocolError } from '../protocol/protocol-error';
import { bucketLayout, chunkSlice } from './bucket-layout';
import {
  type GradientReducer,
  type Membership,
  type ReduceContext,
  type ReducerConfig,
  type ReducerOptions,
  resolveReducerConfig,
} from './gradient-reducer';
import { FloatScratch } from './float-scratch';
import { type ActiveCall, ReduceCallTracker, type StallProbe } from './reduce-call-tracker';
import { reduceOutput } from './reduce-output';
import { type RecyclerCall, SentFrameRecycler } from './sent-frame-recycler';
import { ReduceAbortedError } from './reducer-errors';
import type { RingTransport } from './ring-transport';
import { ringKey } from './ring-transport';
import { SimdWeightedMean } from './simd/simd-weighted-mean';
import { SimdFloat16 } from '../protocol/simd/simd-float16';

/** What a RingReducer needs of its ring sockets: a RingTransport (tests and the soak wrap one, e.g. to delay sends). */
export type RingReducerTransport = Pick<RingTransport, 'endpoint' | 'connect' | 'send' | 'take' | 'close'>;

/** What one call has received and still awaits from the left neighbour, for its stall report. */
interface CallProgress {
  received: number;
  /** Receives in flight by mailbox key. */
  readonly awaiting: Map<string, { readonly bucket: number; readonly round: number }>;
}

/** One bucket's share of a call. */
interface BucketJob {
  readonly call: ActiveCall;
  readonly progress: CallProgress;
  readonly context: ReduceContext;
  readonly bucket: number;
  /** This rank's values for the bucket (never written). */
  readonly local: Float32Array;
  /** Where the bucket's result goes. */
  readonly target: Float32Array;
  readonly weight: number;
  readonly dtype: FloatDtype;
  /** This call's claim on the memory its frames are sent from. */
  readonly frames: RecyclerCall;
}

/**
 * Ring allreduce between workers (Baidu / Horovod ring): the coordinator
 * only hands out the peers list; each worker talks to its neighbours
 * through a RingTransport. Every rank sends and receives 2 (n-1)/n × the
 * vector, whatever the world size.
 *
 * Per bucket (all buckets run concurrently, so they pipeline), with n ranks,
 * rank r, left = r-1, right = r+1 (mod n), the bucket cut into n chunks:
 *
 * 1. Round 0: send chunk r of the local values to the right, with weight
 *    w_r (zeros and weight 0 when w_r = 0, so NaNs of an empty rank stay
 *    home).
 * 2. Reduce-scatter rounds k = 0 .. n-2: receive chunk (r-k-1) from the
 *    left, a running weighted mean m of weight W; fold in the local chunk:
 *    m += (v - m) · w_r / (W + w_r). If k < n-2, pass it right as round
 *    k+1. After round n-2 rank r holds the full mean of chunk (r+1).
 * 3. It rounds that chunk once through float16 if compressing, keeps it in
 *    its result and sends it right as round n-1.
 * 4. All-gather rounds n-1 .. 2n-3: receive a finished chunk from the left,
 *    copy it into the result and, but for the last round, forward the same
 *    bytes (no re-encoding, so all ranks end with the same bytes).
 *
 * Buffer safety (zeromq.js does not copy frames above 128 bytes): round-0
 * frames are views of the caller's input, and every rank's completion
 * depends causally on its round-0 chunk having been received, so the input
 * is not read after allreduce resolves. Every other frame sent is memory
 * the SentFrameRecycler lends (an f32 fold, an f16 encoding, a copy of a
 * forwarded chunk) and hands out again only once the ring proves the frame
 * read — the result array and the f16 scratch are never sent. Received
 * frames are never sent on nor kept: they are zeromq.js's external memory
 * and must die young (see receive()).
 *
 * Precision: one float32 rounding per fold (n-1 per element) plus one
 * per f16 hop when compressing (see float16.ts).
 */
export class RingReducer implements GradientReducer {
  readonly name = 'ring';
  private readonly config: ReducerConfig;
  private readonly tracker: ReduceCallTracker;
  /** Decoded f16 chunks, reused from call to call. */
  private readonly scratch = new FloatScratch(64 * 1024 * 1024);
  /** fp16 compression's conversions, in WebAssembly SIMD (same bits as encodeFloat16 and decodeFloat16). */
  private readonly float16 = new SimdFloat16();
  /** The memory frames are sent from, reused once the ring proves them read (see SentFrameRecycler). */
  private readonly sentFrames = new SentFrameRecycler(64 * 1024 * 1024, this.float16);
  /** The reduce-scatter's fold, in WebAssembly SIMD (same bits as foldWeightedMean). */
  private readonly weightedMean = new SimdWeightedMean();

  /** @param transport this worker's bound ring sockets; the reducer owns it from now on and closes it. */
  constructor(
    private readonly transport: RingReducerTransport,
    options: ReducerOptions = {},
  ) {
    this.config = resolveReducerConfig('ring', options);
    this.tracker = new ReduceCallTracker('ring', this.config.timeoutMs);
  }

  /** This worker's ring endpoint, for HELLO's `ringEndpoint`. */
  get endpoint(): string {
    return this.transport.endpoint;
  }

  getConfig(): ReducerConfig {
    return this.config;
  }

  async configure(membership: Membership): Promise<void> {
    if (membership.worldSize > 1 && membership.peers.length !== membership.worldSize) {
      throw new ProtocolError(
        'unexpected-message',
        `The ring reducer needs the ring endpoint of every rank (WELCOME.peers), got ${membership.peers.length} for world size ${membership.worldSize}.`,
      );
    }
    this.tracker.configure(membership);
    this.transport.connect(membership);
    this.sentFrames.forgetSent(); // a new PUSH: what the old one queued proves nothing now
  }

  async allreduce(values: Float32Array, weight: number, context: ReduceContext): Promise<Float32Array> {
    const progress: CallProgress = { received: 0, awaiting: new Map() };
    const call = this.tracker.begin(values, weight, context, () => this.stallOf(progress));
    try {
      const result = reduceOutput(values, context.into);
      if (call.membership.worldSize === 1 || values.length === 0) {
        result.set(values);
        return result;
      }
      const dtype: FloatDtype = (context.fp16 ?? this.config.fp16) ? 'f16' : 'f32';
      const frames = this.sentFrames.begin();
      const jobs = bucketLayout(values.length, this.config.bucketBytes).map((slice, bucket) =>
        this.reduceBucket({
          call,
          progress,
          context,
          bucket,
          local: values.subarray(slice.offset, slice.offset + slice.length),
          target: result.subarray(slice.offset, slice.offset + slice.length),
          weight,
          dtype,
          frames,
        }).catch((error: unknown) => {
          call.fail(error);
          throw error;
        }),
      );
      try {
        await Promise.all(jobs);
      } catch (error) {
        this.sentFrames.failed(frames);
        throw error;
      }
      this.sentFrames.succeeded(frames);
      return result;
    } catch (error) {
      throw call.translate(error);
    } finally {
      call.finish();
    }
  }

  async close(): Promise<void> {
    this.tracker.abortAll(new ReduceAbortedError('ring: the reducer was closed.'));
    await this.transport.close();
  }

  /** The left neighbour did not deliver: the earliest round still awaited names what. */
  private stallOf(progress: CallProgress): ReturnType<StallProbe> {
    const membership = this.tracker.membership;
    const n = membership?.worldSize ?? 1;
    const left = ((membership?.rank ?? 0) - 1 + n) % n;
    const first = [...progress.awaiting.values()].sort((a, b) => a.round - b.round || a.bucket - b.bucket)[0];
    const where = `rank ${left} (the left neighbour${membership?.peers[left] === undefined ? '' : `, ${membership.peers[left]}`})`;
    return {
      suspectRank: left,
      received: progress.received,
      awaiting: first === undefined ? `nothing (sending to the right neighbour)` : `bucket ${first.bucket} round ${first.round} from ${where}`,
    };
  }

  private async reduceBucket(job: BucketJob): Promise<void> {
    const { call, local, target, weight, dtype } = job;
    const { rank, worldSize: n } = call.membership;
    const mod = (x: number): number => ((x % n) + n) % n;
    const chunk = (index: number) => chunkSlice(local.length, n, index);
    const view = (array: Float32Array, index: number): Float32Array => {
      const { offset, length } = chunk(index);
      return array.subarray(offset, offset + length);
    };

    // 1. Round 0: this rank's own chunk, unweighted, with its weight.
    const own = weight > 0 ? view(local, rank) : new Float32Array(chunk(rank).length);
    await this.send(job, 0, rank, weight, this.payload(job, own));

    // 2. Reduce-scatter. The received chunk is folded into memory of our own (see receive() for why): for f32,
    // recycled memory that is then sent from; for f16, scratch (the chunk decoded there first) encoded afresh to send.
    for (let k = 0; k <= n - 2; k++) {
      const index = mod(rank - k - 1);
      const length = chunk(index).length;
      const { mean, meanWeight } = await this.receive(job, k, index, (envelope) => {
        const { header } = envelope;
        const into = dtype === 'f32' ? this.sentFrames.floats(job.frames, length) : this.scratch.take(length);
        const received = header.payload.dtype === 'f32' ? envelope.payload[0] : readFloatsInto(envelope.frames[0], header.payload.dtype, into, this.float16);
        return { mean: into, meanWeight: this.weightedMean.foldInto(received, header.weightSum, view(local, index), weight, into) };
      });
      if (k < n - 2) {
        await this.send(job, k + 1, index, meanWeight, this.payload(job, mean));
        if (dtype === 'f16') this.scratch.give(mean);
        continue;
      }
      // 3. This rank owns chunk `index`: finish it exactly as the others will see it.
      // Sent before it is copied into the result: the right neighbour's all-gather waits on it, the copy waits on nothing.
      const frame = dtype === 'f32' ? frameFromFloats(mean, dtype) : this.sentFrames.encode(job.frames, mean);
      if (dtype === 'f16') this.scratch.give(mean);
      const sent = this.send(job, n - 1, index, meanWeight, { dtype, encoded: [frame] });
      readFloatsInto(frame, dtype, view(target, index), this.float16);
      await sent;
    }

    // 4. All-gather: each finished chunk goes straight into the result (f16 decoded there, no array of its own),
    // and on to the right as the same bytes, copied into recycled memory.
    for (let k = 0; k <= n - 2; k++) {
      const round = n - 1 + k;
      const index = mod(rank - k);
      const forward = await this.receive(job, round, index, ({ header, frames: [frame] }) => {
        readFloatsInto(frame, header.payload.dtype, view(target, index), this.float16);
        if (k === n - 2) return undefined; // the last round: nothing to pass on
        return { weightSum: header.weightSum, payload: { dtype: header.payload.dtype, encoded: [this.sentFrames.copy(job.frames, frame)] } };
      });
      if (forward !== undefined) await this.send(job, round + 1, index, forward.weightSum, forward.payload);
    }
  }

  /** What to send for `values`: f32 as a view (no copy), f16 encoded into recycled memory. */
  private payload(job: BucketJob, values: Float32Array): Parameters<RingTransport['send']>[1] {
    return job.dtype === 'f32' ? { dtype: 'f32', values: [values] } : { dtype: 'f16', encoded: [this.sentFrames.encode(job.frames, values)] };
  }

  private send(
    job: BucketJob,
    round: number,
    chunk: number,
    weightSum: number,
    payload: Parameters<RingTransport['send']>[1],
  ): Promise<void> {
    const { context, bucket, call } = job;
    return this.transport.send(
      {
        type: 'RING_CHUNK',
        generation: context.generation,
        step: context.step,
        rank: call.membership.rank,
        phase: context.phase,
        bucket,
        round,
        chunk,
        weightSum,
      },
      payload,
    );
  }

  /**
   * Takes the chunk of `round` from the left neighbour, checks it, and
   * resolves with what `read` makes of it. read runs as the chunk arrives
   * and keeps nothing of it: the chunk's frame is zeromq.js's external
   * memory and should die young (see Mailbox and SentFrameRecycler).
   */
  private async receive<T>(job: BucketJob, round: number, index: number, read: (envelope: Envelope<RingChunkHeader>) => T): Promise<T> {
    const { context, bucket, call, progress } = job;
    const key = ringKey(context.generation, context.step, context.phase, bucket, round);
    progress.awaiting.set(key, { bucket, round });
    try {
      return await this.transport.take(key, (envelope) => read(this.checked(job, round, index, envelope)), { signal: call.signal });
    } finally {
      progress.awaiting.delete(key);
    }
  }

  /** `envelope`, once it proved to be the chunk expected in `round` from the left neighbour; counts it as progress. */
  private checked(job: BucketJob, round: number, index: number, envelope: Envelope<RingChunkHeader>): Envelope<RingChunkHeader> {
    const { bucket, call, local, progress } = job;
    const { rank, worldSize: n } = call.membership;
    const left = (rank - 1 + n) % n;
    progress.received += 1;
    call.progressed();
    const { header } = envelope;
    const expected = chunkSlice(local.length, n, index).length;
    const frame = envelope.frames[0];
    const length = frame === undefined ? 0 : frame.byteLength / bytesPerElement(header.payload.dtype);
    const problem =
      header.rank !== left
        ? `came from rank ${header.rank}, not from the left neighbour ${left}`
        : header.chunk !== index
          ? `holds chunk ${header.chunk}, expected ${index}`
          : envelope.frames.length !== 1 || length !== expected
            ? `holds ${length} values in ${envelope.frames.length} frames, expected ${expected} in one: every rank must reduce vectors of the same length with the same bucketBytes`
            : null;
    if (problem !== null) {
      throw new ProtocolError('unexpected-message', `Ring round ${round} of bucket ${bucket} on rank ${rank}: the chunk ${problem}.`, {
        type: 'RING_CHUNK',
        generation: header.generation,
        step: header.step,
      });
    }
    return envelope;
  }
}
