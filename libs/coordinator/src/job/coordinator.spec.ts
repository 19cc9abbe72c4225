import { CoordinatorSocket, type HeaderOf, type StepReport, WorkerSocket, isEnvelopeOf } from '@ganglion/comm';
import { createLogger, definePipeline, type MetricsSink, type NamedWeights, type ProgressReporter, type StepMetrics, SystemClock } from '@ganglion/pipeline';
import { Coordinator, type CoordinatorOptions } from './coordinator';
import { ChecksumMismatchError, JoinTimeoutError, WorkerFailedError } from './coordinator-errors';
import type { CoordinatorOutputs, SampleImages } from '../outputs/coordinator-outputs';

class ToyModel {
  constructor(readonly options: unknown) {}
}
class ToyDataset {
  constructor(readonly options: unknown) {}
}

const HASH = 'a'.repeat(64);
const settings = definePipeline({
  name: 'toy',
  model: { type: ToyModel },
  dataset: { type: ToyDataset },
  batchSize: 4,
  steps: 3,
  // One step per STEP: scripted workers have no ring to hold them in lock-step (a real rank cannot finish a step
  // its peers have not reached), so with a window the survivors of a death would run on through it.
  distributed: { reducer: 'ring', checksumEvery: 2, stepWindow: 1 },
}).settings;

class RecordingOutputs implements CoordinatorOutputs {
  readonly lines: StepMetrics[] = [];
  readonly samples: Array<{ step: number; images: SampleImages }> = [];
  weights: { step: number; weights: readonly NamedWeights[] } | undefined;
  readonly metrics: MetricsSink = { write: (m) => void this.lines.push(m), close: () => undefined };
  writeSamples(step: number, images: SampleImages): string {
    this.samples.push({ step, images });
    return `samples/${step}.png`;
  }
  writeFinalWeights(step: number, weights: readonly NamedWeights[]): string {
    this.weights = { step, weights };
    return 'final-weights.json';
  }
  close(): void {}
}

interface FakeWorkerOptions {
  readonly pipelineHash?: string | null;
  /** Answer the first WELCOME with ERROR (as a worker whose copy of the pipeline differs does). */
  readonly refuseWelcome?: boolean;
  readonly checksum?: (rank: number, step: number) => string;
  /** Report ERROR instead of finishing this step. */
  readonly failAtStep?: number;
  /** Called on the first message from the coordinator (the HEARTBEAT that acknowledges HELLO, or an ERROR). */
  readonly onAnswer?: () => void;
  /** Close the socket (as a killed process) when this step starts. */
  readonly dieAtStep?: number;
  /** Wait this long before reporting each step (a slower rank). */
  readonly stepDelayMs?: number;
  /** The run's steps, when not `settings.steps` (for a rank 0 told to send its state after the last step). */
  readonly steps?: number;
  /** Leave this step out of the earlier reports it sends (a broken rank 0). */
  readonly dropEarlier?: number;
}

interface FakeWorkerLog {
  readonly welcomes: HeaderOf<'WELCOME'>[];
  readonly states: HeaderOf<'STATE'>[];
  readonly steps: Array<[generation: number, step: number]>;
  /** Each STEP: the steps it granted and the ones to checksum. */
  readonly grants: Array<[step: number, through: number, checksumSteps: readonly number[]]>;
  /** Steps this worker sent STEP_DONE for (a grant's last step and its checksum steps), each with the earlier steps it carried (rank 0). */
  readonly reported: number[];
  readonly carried: number[][];
  /** Each STEP's metricsThrough. */
  readonly metricsThrough: number[];
  readonly errors: HeaderOf<'ERROR'>[];
  shutdown?: string;
}

/** A scripted worker over a real WorkerSocket: no tfjs, just the protocol. */
async function fakeWorker(endpoint: string, workerId: string, options: FakeWorkerOptions = {}): Promise<FakeWorkerLog> {
  const log: FakeWorkerLog = { welcomes: [], states: [], steps: [], grants: [], reported: [], carried: [], metricsThrough: [], errors: [] };
  let done = 0;
  const runSteps = options.steps ?? settings.steps;
  /** Its step reports until a STEP's metricsThrough covers them, across generations (as StepReporter keeps them). */
  let kept: StepReport[] = [];
  let lastSent = { generation: 0, step: -1 };
  const finalWeights = async (generation: number, rank: number) => {
    await socket.send(
      { type: 'SAMPLES', generation, step: runSteps, rank, count: 1, height: 1, width: 2, channels: 1, pixelRange: [0, 1] },
      { values: [Float32Array.of(0, 1)] },
    );
    await socket.send({ type: 'WEIGHTS', generation, step: runSteps, rank, names: ['w'], shapes: [[2]] }, { values: [Float32Array.of(1.5, -2)] });
  };
  const socket = WorkerSocket.connect({ endpoint, workerId });
  try {
    await socket.send({
      type: 'HELLO', generation: 0, step: 0, workerId, host: 'test', pid: 1, backend: 'cpu', devices: [],
      ringEndpoint: `tcp://127.0.0.1:1${workerId.length}`, pipelineHash: options.pipelineHash === undefined ? HASH : options.pipelineHash,
    });
    for (;;) {
      const received = await socket.receive({ timeoutMs: 10_000 });
      options.onAnswer?.();
      if (!received.ok) throw received.error;
      const { envelope } = received;
      const welcome = log.welcomes.at(-1);
      if (isEnvelopeOf(envelope, 'WELCOME')) {
        log.welcomes.push(envelope.header);
        if (options.refuseWelcome) {
          await socket.send({ type: 'ERROR', generation: envelope.header.generation, step: 0, code: 'pipeline-mismatch', reason: 'files differ', fatal: true });
          return log;
        }
        const { generation, rank, syncState } = envelope.header;
        if (syncState === 'send') {
          await socket.send({ type: 'STATE', generation, step: done, rank, phase: 0, texts: { 'trainer-state.json': `{"step":${done}}` }, binaries: [] }, { values: [] });
        }
        if (syncState !== 'receive') await socket.send({ type: 'RING_READY', generation, step: 0, rank });
        if (syncState === 'send' && done === runSteps) {
          // No step left to run: the last reports (never delivered in the generation that ended), then the final weights.
          const last = kept.at(-1) as StepReport;
          await socket.send({ type: 'STEP_DONE', generation, rank, ...last, earlier: kept.slice(0, -1) });
          log.reported.push(last.step);
          log.carried.push(kept.slice(0, -1).map((r) => r.step));
          await finalWeights(generation, rank);
        }
      } else if (isEnvelopeOf(envelope, 'STATE') && welcome !== undefined) {
        log.states.push(envelope.header);
        done = envelope.header.step;
        await socket.send({ type: 'RING_READY', generation: welcome.generation, step: 0, rank: welcome.rank });
      } else if (isEnvelopeOf(envelope, 'STEP') && welcome !== undefined) {
        const { generation, through, checksumSteps, metricsThrough } = envelope.header;
        const { rank } = welcome;
        log.grants.push([envelope.header.step, through, checksumSteps]);
        log.metricsThrough.push(metricsThrough);
        kept = kept.filter((report) => report.step > metricsThrough);
        for (let step = envelope.header.step; step <= through; step++) {
          log.steps.push([generation, step]);
          if (step === options.dieAtStep) return log;
          if (step === options.failAtStep) {
            await socket.send({ type: 'ERROR', generation, step, code: 'worker-failed', reason: 'out of memory', fatal: true });
            break;
          }
          if (options.stepDelayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.stepDelayMs));
          const checksum = checksumSteps.includes(step) ? { value: (options.checksum ?? (() => 'same'))(rank, step), algorithm: 'fnv1a64' } : undefined;
          const values = { 'loss/toy': 10 * rank + step, stepMs: 5, samplesPerSecond: 800, reduceMs: 1 + rank };
          kept = [...kept.filter((report) => report.step < step), { step, sampleCount: 2, values }];
          if (checksum !== undefined || step === through) {
            const after = lastSent.generation === generation ? lastSent.step : -1;
            const earlier = rank === 0 ? kept.slice(0, -1).filter((report) => report.step > after && report.step !== options.dropEarlier) : [];
            lastSent = { generation, step };
            await socket.send({ type: 'STEP_DONE', generation, step, rank, sampleCount: 2, values, ...(checksum === undefined ? {} : { checksum }), ...(earlier.length > 0 ? { earlier } : {}) });
            log.reported.push(step);
            log.carried.push(earlier.map((r) => r.step));
          }
          done = step + 1;
          if (rank === 0 && step === runSteps - 1) await finalWeights(generation, rank);
        }
      } else if (isEnvelopeOf(envelope, 'SHUTDOWN')) {
        log.shutdown = envelope.header.reason;
        return log;
      } else if (isEnvelopeOf(envelope, 'ERROR')) {
        log.errors.push(envelope.header);
        return log;
      }
    }
  } finally {
    await socket.close();
  }
}

describe('Coordinator (scripted workers over real sockets)', () => {
  let socket: CoordinatorSocket;
  let outputs: RecordingOutputs;

  beforeEach(async () => {
    socket = await CoordinatorSocket.bind({ endpoint: 'tcp://127.0.0.1:*', sendTimeoutMs: 2000 });
    outputs = new RecordingOutputs();
  });

  afterEach(async () => {
    await socket.close();
  });

  /** Starts a fake worker and waits until the coordinator answered its HELLO, so join order is fixed. */
  async function joined(workerId: string, options: FakeWorkerOptions = {}): Promise<{ log: Promise<FakeWorkerLog> }> {
    let answered!: () => void;
    const answer = new Promise<void>((resolve) => (answered = resolve));
    const log = fakeWorker(socket.endpoint, workerId, { ...options, onAnswer: answered });
    await Promise.race([answer, log]);
    return { log };
  }

  function coordinator(overrides: Partial<CoordinatorOptions> = {}): Coordinator {
    const options: CoordinatorOptions = {
      pipeline: { file: '/pipelines/toy.ts', hash: HASH, settings },
      workers: 2,
      joinTimeoutMs: 10_000,
      heartbeatIntervalMs: 200,
      ...overrides,
    };
    return new Coordinator(socket, options, outputs, createLogger({ format: 'json', level: process.env.SPEC_LOG ?? 'silent' }), new SystemClock());
  }

  it('refuses a differing pipeline, re-ranks when a welcomed worker drops out, then trains to the end', async () => {
    const running = coordinator().run();
    const { log: first } = await joined('first');
    const stale = await fakeWorker(socket.endpoint, 'stale', { pipelineHash: 'b'.repeat(64) });
    expect(stale.errors[0]).toMatchObject({ code: 'pipeline-mismatch', fatal: true });
    expect(stale.errors[0].reason).toMatch(/The files differ, or the training-relevant --set flags do: deploy the same code on every machine/);

    const dropout = await fakeWorker(socket.endpoint, 'dropout', { pipelineHash: null, refuseWelcome: true });
    expect(dropout.welcomes[0]).toMatchObject({ rank: 1, worldSize: 2, generation: 1, step: 0 });
    const last = fakeWorker(socket.endpoint, 'last');
    const [result, firstLog, lastLog] = await Promise.all([running, first, last]);

    // 'first' was welcomed twice: generation 1 with 'dropout', generation 2 with 'last'.
    expect(firstLog.welcomes.map((w) => [w.generation, w.rank, w.worldSize])).toEqual([[1, 0, 2], [2, 0, 2]]);
    expect(lastLog.welcomes.map((w) => [w.generation, w.rank])).toEqual([[2, 1]]);
    const welcome = firstLog.welcomes[1];
    expect(welcome.pipeline).toMatchObject({ path: '/pipelines/toy.ts', hash: HASH, options: { name: 'toy', batchSize: 4, steps: 3 } });
    expect(welcome.reducer).toEqual({ name: 'ring', bucketBytes: 4 * 1024 * 1024, fp16: false, timeoutMs: 120_000 });
    expect(welcome.peers).toEqual(['tcp://127.0.0.1:15', 'tcp://127.0.0.1:14']);

    expect(result).toMatchObject({ steps: 3, worldSize: 2, reducer: 'ring', checksumSteps: [1, 2], finalWeights: 'final-weights.json' });
    // metrics.jsonl gets rank 0's losses (the global means) and reduce times, one line per step.
    expect(outputs.lines.map((m) => [m.step, m.losses.toy, m.reduceMs])).toEqual([[0, 0, 1], [1, 1, 1], [2, 2, 1]]);
    expect(outputs.samples.map((s) => [s.step, Array.from(s.images.pixels)])).toEqual([[3, [0, 1]]]);
    expect(outputs.weights?.step).toBe(3);
    expect(outputs.weights?.weights.map((w) => [w.name, w.shape, Array.from(w.values)])).toEqual([['w', [2], [1.5, -2]]]);
    expect(firstLog.shutdown).toBe('training finished');
    expect(lastLog.shutdown).toBe('training finished');
  });

  it('stops loudly when the ranks\' weight checksums differ, and shuts every worker down', async () => {
    const running = coordinator().run();
    const checksum = (rank: number, step: number) => (step === 1 && rank === 1 ? 'drifted' : 'same');
    const workers = Promise.all([fakeWorker(socket.endpoint, 'a', { checksum }), fakeWorker(socket.endpoint, 'b', { checksum })]);
    await expect(running).rejects.toThrow(ChecksumMismatchError);
    await expect(running).rejects.toThrow(/WEIGHTS DIVERGED at step 1: .*rank 0: same, rank 1: drifted/);
    for (const log of await workers) expect(log.shutdown).toMatch(/^the job failed: WEIGHTS DIVERGED/);
    expect(outputs.lines).toHaveLength(1);
  });

  /** The toy pipeline with a window of steps (checksums only at the last step unless `checksumEvery`). */
  function windowed(steps: number, stepWindow: number, checksumEvery = 1000, checkpointEvery = 0) {
    const windowedSettings = definePipeline({
      name: 'toy', model: { type: ToyModel }, dataset: { type: ToyDataset }, batchSize: 4, steps, checkpointEvery, distributed: { reducer: 'ring', checksumEvery, stepWindow },
    }).settings;
    return { pipeline: { file: '/pipelines/toy.ts', hash: HASH, settings: windowedSettings } };
  }

  it('with the ring, grants stepWindow steps per STEP; the ranks report at its checksum steps and its last, rank 0 carrying the steps between', async () => {
    const running = coordinator(windowed(10, 4, 3)).run();
    const { log: first } = await joined('a', { steps: 10 }); // rank 0
    const [result, a, b] = await Promise.all([running, first, fakeWorker(socket.endpoint, 'b', { stepDelayMs: 20, steps: 10 })]);
    // Three STEPs per rank instead of ten; each rank reports only the checksum steps and each grant's last. 'a' runs
    // ahead of the slower 'b': its reports of a grant's later barrier are kept until their turn.
    for (const log of [a, b]) {
      expect(log.grants).toEqual([[0, 3, [2]], [4, 7, [5]], [8, 9, [8, 9]]]);
      expect(log.metricsThrough).toEqual([-1, 3, 7]);
      expect(log.steps.map(([, step]) => step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(log.reported).toEqual([2, 3, 5, 7, 8, 9]);
    }
    expect(a.carried).toEqual([[0, 1], [], [4], [6], [], []]);
    expect(b.carried.flat()).toEqual([]);
    expect(result).toMatchObject({ steps: 10, checksumSteps: [2, 5, 8, 9] });
    expect(outputs.lines.map((m) => [m.step, m.losses.toy])).toEqual(Array.from({ length: 10 }, (_, step) => [step, step]));

    outputs.lines.length = 0;
    const star = definePipeline({ name: 'toy', model: { type: ToyModel }, dataset: { type: ToyDataset }, batchSize: 4, steps: 3, distributed: { reducer: 'star', stepWindow: 4 } }).settings;
    const starRun = coordinator({ pipeline: { file: '/pipelines/toy.ts', hash: HASH, settings: star } }).run();
    const [, c] = await Promise.all([starRun, fakeWorker(socket.endpoint, 'c'), fakeWorker(socket.endpoint, 'd')]);
    expect(c.grants).toEqual([[0, 0, []], [1, 1, []], [2, 2, [2]]]); // the star: a STEP every step
  });

  it('ends a grant at a checkpoint step, so that no checkpoint lies ahead of the metrics written', async () => {
    const running = coordinator(windowed(10, 4, 1000, 3)).run();
    const [result, a] = await Promise.all([running, fakeWorker(socket.endpoint, 'a', { steps: 10 }), fakeWorker(socket.endpoint, 'b', { steps: 10 })]);
    expect(a.grants.map(([step, through]) => [step, through])).toEqual([[0, 2], [3, 5], [6, 8], [9, 9]]);
    expect(result).toMatchObject({ steps: 10 });
  });

  it("writes the steps a generation finished but never reported from rank 0's first STEP_DONE of the next", async () => {
    const running = coordinator({ ...windowed(6, 4), workers: 3, minWorkers: 2 }).run();
    const { log: a } = await joined('a', { steps: 6 });
    const { log: b } = await joined('b', { steps: 6 });
    const { log: c } = await joined('c', { steps: 6, dieAtStep: 2 });
    const [result, logA, logB] = await Promise.all([running, a, b, c]);
    // Generation 1 granted 0..3; c died in it, so the barrier at step 3 was never passed and nothing was written.
    // a (rank 0 again) had finished step 3: generation 2 starts at 4, and its STEP_DONE of step 5 carries 0..4.
    expect(logA.grants).toEqual([[0, 3, []], [4, 5, [5]]]);
    expect(logA.metricsThrough).toEqual([-1, -1]);
    expect(logA.reported).toEqual([3, 5]);
    expect(logA.carried).toEqual([[0, 1, 2], [0, 1, 2, 3, 4]]);
    expect(logB.steps).toEqual([[1, 0], [1, 1], [1, 2], [1, 3], [2, 4], [2, 5]]);
    expect(outputs.lines.map((m) => [m.step, m.losses.toy])).toEqual(Array.from({ length: 6 }, (_, step) => [step, step]));
    expect(result).toMatchObject({ steps: 6, worldSize: 2, checksumSteps: [5] });
  });

  it('with no step left after a death at the last one, takes rank 0\'s last reports and final weights even while the others get ready', async () => {
    const running = coordinator({ ...windowed(4, 4), workers: 3, minWorkers: 2 }).run();
    const { log: a } = await joined('a', { steps: 4 });
    const { log: b } = await joined('b', { steps: 4 });
    const { log: c } = await joined('c', { steps: 4, dieAtStep: 3 });
    const [result, logA] = await Promise.all([running, a, b, c]);
    // a finished all four steps in generation 1 but c never reported step 3. In generation 2 a's state is at step 4,
    // the end: it sends its reports of 0..3 again, with its final weights, right after its STATE.
    expect(logA.welcomes.map((w) => [w.generation, w.syncState])).toEqual([[1, undefined], [2, 'send']]);
    expect(logA.reported).toEqual([3, 3]);
    expect(logA.carried).toEqual([[0, 1, 2], [0, 1, 2]]);
    expect(outputs.lines.map((m) => m.step)).toEqual([0, 1, 2, 3]);
    expect(result).toMatchObject({ steps: 4, worldSize: 2, finalWeights: 'final-weights.json' });
    expect(logA.shutdown).toBe('training finished');
  });

  it('refuses a rank 0 whose STEP_DONE leaves out a step not written yet', async () => {
    const running = coordinator(windowed(4, 4)).run();
    const gappy = fakeWorker(socket.endpoint, 'gappy', { steps: 4, dropEarlier: 1 });
    const other = fakeWorker(socket.endpoint, 'other', { steps: 4 });
    await expect(running).rejects.toThrow(/Rank 0 \(gappy\) reported step 3 without its report of step 1, whose metrics are not written yet; the job is out of step/);
    await Promise.all([gappy, other]);
    expect(outputs.lines.map((m) => m.step)).toEqual([0]);
  });

  it('hands every step to a progress reporter and stops it, also when the run fails', async () => {
    const calls: string[] = [];
    const progress: ProgressReporter = {
      start: (total, start) => calls.push(`start ${start}/${total}`),
      update: (m) => calls.push(`update ${m.step} toy=${m.losses.toy}`),
      stop: () => calls.push('stop'),
    };
    const running = coordinator({ progress }).run();
    await Promise.all([running, fakeWorker(socket.endpoint, 'a'), fakeWorker(socket.endpoint, 'b')]);
    expect(calls).toEqual(['start 0/3', 'update 0 toy=0', 'update 1 toy=1', 'update 2 toy=2', 'stop']);

    calls.length = 0;
    const failing = coordinator({ progress }).run();
    const checksum = (rank: number, step: number) => (step === 1 && rank === 1 ? 'drifted' : 'same');
    const workers = Promise.all([fakeWorker(socket.endpoint, 'c', { checksum }), fakeWorker(socket.endpoint, 'd', { checksum })]);
    await expect(failing).rejects.toThrow(ChecksumMismatchError);
    await workers;
    expect(calls).toEqual(['start 0/3', 'update 0 toy=0', 'stop']);
  });

  it('fails the run with the reason of a worker that reports an error while training', async () => {
    const running = coordinator().run();
    const { log: ok } = await joined('ok');
    const oom = fakeWorker(socket.endpoint, 'oom', { failAtStep: 1 });
    await expect(running).rejects.toThrow(WorkerFailedError);
    await expect(running).rejects.toThrow(/Worker oom \(rank 1 on test\) failed: out of memory/);
    expect((await ok).shutdown).toMatch(/out of memory/);
    await oom;
  });

  it('gives up after the join timeout, naming how many workers joined', async () => {
    const running = coordinator({ joinTimeoutMs: 1000 }).run();
    const lonely = fakeWorker(socket.endpoint, 'lonely');
    await expect(running).rejects.toThrow(JoinTimeoutError);
    await expect(running).rejects.toThrow(/Only 1 of 2 workers joined within 1 s\. Start the missing workers with `ganglion worker --connect tcp:\/\/127\.0\.0\.1:\d+`/);
    expect((await lonely).shutdown).toMatch(/Only 1 of 2 workers joined/);
  });

  it("goes on without a worker that died: new generation, rank 0's state to the others, training continues from rank 0's position", async () => {
    const running = coordinator({ workers: 3, minWorkers: 2 }).run();
    const { log: a } = await joined('a');
    const { log: b } = await joined('b');
    const { log: c } = await joined('c', { dieAtStep: 1 });
    const [result, logA, logB, logC] = await Promise.all([running, a, b, c]);
    expect(logC.steps).toEqual([[1, 0], [1, 1]]);
    // a and b: generation 2 with ranks 0 and 1; a (rank 0) was told to send its state, b to receive it.
    expect(logA.welcomes.map((w) => [w.generation, w.rank, w.worldSize, w.syncState])).toEqual([[1, 0, 3, undefined], [2, 0, 2, 'send']]);
    expect(logB.welcomes.map((w) => [w.generation, w.rank, w.worldSize, w.syncState])).toEqual([[1, 1, 3, undefined], [2, 1, 2, 'receive']]);
    // a (rank 0) had finished step 1 when c died: its state is at step 2, which b loads; step 1 is not trained twice.
    expect(logB.states.map((s) => [s.generation, s.step, s.rank, s.texts['trainer-state.json']])).toEqual([[2, 2, 0, '{"step":2}']]);
    expect(logB.steps).toEqual([[1, 0], [1, 1], [2, 2]]);
    expect(result).toMatchObject({ steps: 3, worldSize: 2 });
    expect(outputs.lines.map((m) => m.step)).toEqual([0, 1, 2]);
    expect(logA.shutdown).toBe('training finished');
  });

  it('below --min-workers, waits for a worker to join, then fails after the rejoin timeout', async () => {
    const running = coordinator({ workers: 2, minWorkers: 2, rejoinTimeoutMs: 1000 }).run();
    const { log: a } = await joined('a');
    const { log: b } = await joined('b', { dieAtStep: 1 });
    await expect(running).rejects.toThrow(JoinTimeoutError);
    await expect(running).rejects.toThrow(/Only 1 worker left, below --min-workers 2, and none joined within 1 s \(--rejoin-timeout\)/);
    expect((await a).shutdown).toMatch(/below --min-workers 2/);
    await b;
  });

  it('refuses a worker beyond the job size', async () => {
    const running = coordinator({ workers: 1 }).run();
    const { log: member } = await joined('member');
    const extra = await fakeWorker(socket.endpoint, 'extra');
    expect(extra.errors[0]).toMatchObject({ code: 'job-full', fatal: true });
    await Promise.all([running, member]);
  });
});
