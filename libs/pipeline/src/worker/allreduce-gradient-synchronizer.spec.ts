import * as tf from '@tensorflow/tfjs';
import type { GradientReducer, Membership, ReduceContext, ReducerConfig } from '@ganglion/comm';
import type { Clock } from '../clock';
import { AllreduceGradientSynchronizer } from './allreduce-gradient-synchronizer';
import type { DistributedProcessGroup } from './distributed-process-group';

/** Averages this rank's vector with a fixed vector of "the other rank", weighted like the real reducers. */
class FakeReducer implements GradientReducer {
  readonly name = 'fake';
  readonly calls: Array<{ values: Float32Array; sent: Float32Array; weight: number; context: ReduceContext }> = [];

  constructor(
    private readonly other: Float32Array,
    private readonly otherWeight: number,
    private readonly fail = false,
  ) {}

  async configure(_membership: Membership): Promise<void> {}

  async allreduce(values: Float32Array, weight: number, context: ReduceContext): Promise<Float32Array> {
    this.calls.push({ values, sent: values.slice(), weight, context });
    if (this.fail) throw new Error('reduce failed');
    const result = context.into ?? new Float32Array(values.length);
    values.forEach((v, i) => (result[i] = (v * weight + this.other[i] * this.otherWeight) / (weight + this.otherWeight)));
    return result;
  }

  getConfig(): ReducerConfig {
    return { name: 'fake', bucketBytes: 4, fp16: false, timeoutMs: 1 };
  }

  async close(): Promise<void> {}
}

const group: DistributedProcessGroup = { rank: () => 0, worldSize: () => 2, generation: () => 7 };

function steppingClock(stepMs: number): Clock {
  let now = 0;
  return { now: () => (now += stepMs), date: () => new Date(0) };
}

describe('AllreduceGradientSynchronizer', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const key = { step: 3, phaseIndex: 1, phaseName: 'generator' };
  const localGradients = () => [tf.tensor2d([[1, 2], [3, 4]]), tf.tensor1d([5, 6, 7]), tf.scalar(8)];

  it('flattens in variable order with the loss last, weights by sample count, and rebuilds the shapes', async () => {
    const other = Float32Array.of(10, 20, 30, 40, 50, 60, 70, 80, 2.5);
    const reducer = new FakeReducer(other, 3);
    const synchronizer = new AllreduceGradientSynchronizer(reducer, group, steppingClock(5));

    const result = await synchronizer.synchronize(key, localGradients(), 0.5, 1);

    expect(Array.from(reducer.calls[0].sent)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 0.5]);
    expect(reducer.calls[0].weight).toBe(1);
    const { into, ...context } = reducer.calls[0].context;
    expect(context).toEqual({ generation: 7, step: 3, phase: 1 });
    expect(into).toHaveLength(9);
    expect(result.gradients.map((g) => g.shape)).toEqual([[2, 2], [3], []]);
    const expected = (mine: number, theirs: number) => (mine * 1 + theirs * 3) / 4;
    expect(Array.from(result.gradients[0].dataSync())).toEqual([expected(1, 10), expected(2, 20), expected(3, 30), expected(4, 40)]);
    expect(Array.from(result.gradients[1].dataSync())).toEqual([expected(5, 50), expected(6, 60), expected(7, 70)]);
    expect(result.gradients[2].dataSync()[0]).toBe(expected(8, 80));
    expect(result.loss).toBeCloseTo(expected(0.5, 2.5), 6);
    expect(result.reduceMs).toBe(5);
    for (const gradient of result.gradients) gradient.dispose();
  });

  it("reuses each phase's arrays from step to step (values and into), and gives them up after a failed call", async () => {
    const reducer = new FakeReducer(new Float32Array(9), 0);
    const synchronizer = new AllreduceGradientSynchronizer(reducer, group, steppingClock(1));
    const run = async (step: number, phaseIndex: number) => {
      const result = await synchronizer.synchronize({ ...key, step, phaseIndex }, localGradients(), 1, 4);
      for (const gradient of result.gradients) gradient.dispose();
    };
    await run(0, 0);
    await run(0, 1);
    await run(1, 0);
    const [first, otherPhase, again] = reducer.calls;
    expect(again.values).toBe(first.values);
    expect(again.context.into).toBe(first.context.into);
    expect(otherPhase.values).not.toBe(first.values);
    expect(first.context.into).not.toBe(first.values);
    expect(Array.from(again.values)).toEqual(Array.from(again.sent));

    const failing = new FakeReducer(new Float32Array(9), 0, true);
    const afterFailure = new AllreduceGradientSynchronizer(failing, group, steppingClock(1));
    await expect(afterFailure.synchronize(key, localGradients(), 1, 4)).rejects.toThrow('reduce failed');
    await expect(afterFailure.synchronize(key, localGradients(), 1, 4)).rejects.toThrow('reduce failed');
    expect(failing.calls[1].values).not.toBe(failing.calls[0].values);
  });

  it('disposes the local gradients: the tensor count does not grow across steps', async () => {
    const synchronizer = new AllreduceGradientSynchronizer(new FakeReducer(new Float32Array(9), 1), group, steppingClock(1));
    const before = tf.memory().numTensors;
    for (let step = 0; step < 5; step++) {
      const result = await synchronizer.synchronize({ ...key, step }, localGradients(), 1, 2);
      expect(tf.memory().numTensors).toBe(before + 3);
      for (const gradient of result.gradients) gradient.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('disposes the local gradients when the reduction fails, and passes the error on', async () => {
    const synchronizer = new AllreduceGradientSynchronizer(new FakeReducer(new Float32Array(9), 1, true), group, steppingClock(1));
    const before = tf.memory().numTensors;
    await expect(synchronizer.synchronize(key, localGradients(), 1, 2)).rejects.toThrow('reduce failed');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses non-float32 gradients, naming the phase', async () => {
    const synchronizer = new AllreduceGradientSynchronizer(new FakeReducer(new Float32Array(3), 1), group, steppingClock(1));
    const before = tf.memory().numTensors;
    await expect(synchronizer.synchronize(key, [tf.tensor1d([1, 2], 'int32')], 1, 2)).rejects.toThrow(/Phase 'generator': gradient 0 is int32/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
