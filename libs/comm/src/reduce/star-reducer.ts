import { frameFromFloats, readFloatsInto } from '../protocol/float-frames';
import { SimdFloat16 } from '../protocol/simd/simd-float16';
import type { Envelope, PayloadInit } from '../protocol/message-codec';
import type { AvgHeader, HeaderOf, MessageInit, MessageType } from '../protocol/messages';
import { ProtocolError } from '../protocol/protocol-error';
import { bucketLayout } from './bucket-layout';
import {
  type GradientReducer,
  type Membership,
  type ReduceContext,
  type ReducerConfig,
  type ReducerOptions,
  resolveReducerConfig,
} from './gradient-reducer';
import { Mailbox } from './mailbox';
import { reduceOutput } from './reduce-output';
import { ReduceCallTracker } from './reduce-call-tracker';
import { ReduceAbortedError } from './reducer-errors';

/** What a StarReducer needs of the worker's connection (a WorkerSocket). */
export interface StarWorkerTransport {
  send(init: MessageInit, payload?: PayloadInit): Promise<void>;
  route<T extends MessageType>(type: T, handler: (envelope: Envelope<HeaderOf<T>>) => void): () => void;
}

function avgKey(generation: number, step: number, phase: number, bucket: number): string {
  return `${generation}/${step}/${phase}/${bucket}`;
}

/**
 * Worker side of the star strategy: every bucket goes to the coordinator as
 * GRADS, the coordinator's StarAggregator answers each with AVG once all
 * ranks sent theirs. Simple and robust (the coordinator sees everything),
 * but the coordinator's link carries world-size × the vector each way.
 *
 * The reducer routes AVG messages of the given WorkerSocket to itself while
 * it lives; close() removes the route (it does not close the socket).
 */
export class StarReducer implements GradientReducer {
  readonly name = 'star';
  private readonly config: ReducerConfig;
  private readonly tracker: ReduceCallTracker;
  private readonly mailbox = new Mailbox<Envelope<AvgHeader>>(65_536);
  /** fp16 GRADS encoded and AVG decoded in WebAssembly SIMD (same bits as the scalar functions). */
  private readonly float16 = new SimdFloat16();
  private readonly unroute: () => void;

  /**
   * @param transport the worker's WorkerSocket
   * @param onDrop told about AVG messages nobody waits for (stale or duplicate)
   */
  constructor(
    private readonly transport: StarWorkerTransport,
    options: ReducerOptions = {},
    private readonly onDrop: (error: ProtocolError) => void = () => undefined,
  ) {
    this.config = resolveReducerConfig('star', options);
    this.tracker = new ReduceCallTracker('star', this.config.timeoutMs);
    this.unroute = transport.route('AVG', (envelope) => this.onAvg(envelope));
  }

  getConfig(): ReducerConfig {
    return this.config;
  }

  async configure(membership: Membership): Promise<void> {
    this.tracker.configure(membership);
  }

  async allreduce(values: Float32Array, weight: number, context: ReduceContext): Promise<Float32Array> {
    const arrived = new Set<number>();
    let bucketCount = 0;
    const call = this.tracker.begin(values, weight, context, () => ({
      suspectRank: null,
      received: arrived.size,
      awaiting: `AVG for ${bucketCount - arrived.size} of ${bucketCount} bucket${bucketCount === 1 ? '' : 's'} from the coordinator (it averages once every rank sent its GRADS)`,
    }));
    try {
      const { worldSize, rank, generation } = call.membership;
      const result = reduceOutput(values, context.into);
      if (worldSize === 1 || values.length === 0) {
        result.set(values);
        return result;
      }
      const dtype = (context.fp16 ?? this.config.fp16) ? 'f16' : 'f32';
      const buckets = bucketLayout(values.length, this.config.bucketBytes);
      bucketCount = buckets.length;
      const { step, phase } = context;
      const arrivals = buckets.map((slice, bucket) =>
        this.mailbox.take(avgKey(generation, step, phase, bucket), (envelope) => {
          const { header } = envelope;
          const length = header.payload.lengths[0]; // AVG carries exactly one frame of this length (the codec checked)
          if (header.offset !== slice.offset || header.totalLength !== values.length || header.bucketCount !== buckets.length || length !== slice.length) {
            throw new ProtocolError(
              'unexpected-message',
              `AVG bucket ${bucket} covers [${header.offset}, +${length}) of ${header.totalLength} in ${header.bucketCount} buckets, but this rank sent [${slice.offset}, +${slice.length}) of ${values.length} in ${buckets.length}; every rank must reduce vectors of the same length with the same bucketBytes.`,
              { type: 'AVG', generation, step },
            );
          }
          // Straight into the result: f16 decoded there, f32 copied (no array of its own).
          readFloatsInto(envelope.frames[0], header.payload.dtype, result.subarray(slice.offset, slice.offset + slice.length), this.float16);
          arrived.add(bucket);
          call.progressed();
        }, { signal: call.signal }),
      );
      const sends = buckets.map((slice, bucket) =>
        this.transport.send(
          {
            type: 'GRADS',
            generation,
            step,
            rank,
            phase,
            bucket,
            bucketCount: buckets.length,
            offset: slice.offset,
            totalLength: values.length,
            weight,
          },
          // f32 frames are views of `values`: safe, since the AVG for a bucket
          // implies the coordinator received our GRADS for it. f16 frames are fresh.
          { dtype, encoded: [frameFromFloats(values.subarray(slice.offset, slice.offset + slice.length), dtype, this.float16)] },
        ),
      );
      await Promise.all([...sends, ...arrivals].map((part) => part.catch((error: unknown) => {
        call.fail(error);
        throw error;
      })));
      return result;
    } catch (error) {
      throw call.translate(error);
    } finally {
      call.finish();
    }
  }

  async close(): Promise<void> {
    this.unroute();
    const closed = new ReduceAbortedError('star: the reducer was closed.');
    this.tracker.abortAll(closed);
    this.mailbox.close(closed);
  }

  private onAvg(envelope: Envelope<AvgHeader>): void {
    const { generation, step, phase, bucket } = envelope.header;
    const key = avgKey(generation, step, phase, bucket);
    if (!this.mailbox.hasWaiter(key)) {
      this.onDrop(
        new ProtocolError('unexpected-message', `AVG ${key} (generation/step/phase/bucket) arrived but no allreduce waits for it (stale or duplicate); dropped.`, {
          type: 'AVG',
          generation,
          step,
        }),
      );
      return;
    }
    this.mailbox.put(key, envelope);
  }
}
