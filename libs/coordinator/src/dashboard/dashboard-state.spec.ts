import type { StepMetrics } from '@ganglion/pipeline';
import type { RankMetrics } from './coordinator-events';
import { type DashboardRunInfo, DashboardState, thinInPlace } from './dashboard-state';

const RUN: DashboardRunInfo = { pipeline: 'fashion-dcgan', steps: 100, startStep: 0, reducer: 'ring', batchSize: 16, workers: 2, runFolder: '/runs/fashion-dcgan/x' };

function hello(workerId: string, pid: number) {
  return { workerId, host: 'node-a', pid, backend: 'wasm', devices: [] as string[] };
}

function metrics(step: number, losses: Record<string, number>, stepMs = 500): StepMetrics {
  return { step, losses, stepMs, samplesPerSecond: (16 * 1000) / stepMs, time: new Date(0).toISOString() };
}

function ranks(...stepMs: number[]): ReadonlyMap<number, RankMetrics> {
  return new Map(stepMs.map((ms, rank) => [rank, { values: { stepMs: ms, 'loss/d': 1 } }]));
}

describe('DashboardState', () => {
  let now: number;
  let state: DashboardState;

  beforeEach(() => {
    now = 1_000_000;
    state = new DashboardState({ run: RUN, now: () => now });
  });

  it('starts waiting, with the run, no workers, no points and no sample', () => {
    expect(state.snapshot()).toEqual({ now, run: RUN, status: 'waiting', message: null, generation: 0, step: 0, workers: [], points: [], maxPoints: 10_000, sample: null });
    expect(state.latestSampleFile).toBeNull();
  });

  it('lists joined workers without a rank until a generation ranks them, then in rank order', () => {
    state.memberJoined(hello('w-b', 2));
    now += 10;
    state.memberJoined(hello('w-a', 1));
    expect(state.workerList().map((w) => [w.workerId, w.rank, w.status])).toEqual([
      ['w-a', null, 'joined'],
      ['w-b', null, 'joined'],
    ]);
    state.generationChanged(1, ['w-b', 'w-a']);
    expect(state.workerList().map((w) => [w.workerId, w.rank, w.status])).toEqual([
      ['w-b', 0, 'alive'],
      ['w-a', 1, 'alive'],
    ]);
    expect(state.snapshot()).toMatchObject({ generation: 1, status: 'training' });
  });

  it('records the latest message time of known workers only', () => {
    state.memberJoined(hello('w-a', 1));
    now += 2500;
    expect(state.messageFrom('w-a')).toBe(true);
    expect(state.messageFrom('stranger')).toBe(false);
    expect(state.workerList()).toHaveLength(1);
    expect(state.workerList()[0].lastMessageAt).toBe(now);
  });

  it('appends a point per finished step (non-finite numbers become null) and gives each rank its own step time', () => {
    state.memberJoined(hello('w-a', 1));
    state.memberJoined(hello('w-b', 2));
    state.generationChanged(1, ['w-a', 'w-b']);
    const point = state.stepFinished(metrics(0, { discriminator: 1.4, generator: NaN }, 400), ranks(380, 395));
    expect(point).toEqual({ step: 0, losses: { discriminator: 1.4, generator: null }, samplesPerSecond: 40, stepMs: 400 });
    state.stepFinished(metrics(1, { discriminator: 1.3, generator: 0.7 }, 800), ranks(790, 760));
    const snapshot = state.snapshot();
    expect(snapshot.step).toBe(2);
    expect(snapshot.points.map((p) => p.step)).toEqual([0, 1]);
    expect(snapshot.workers.map((w) => w.stepMs)).toEqual([790, 760]);
    // The snapshot is JSON: NaN would not survive it.
    expect(JSON.parse(JSON.stringify(snapshot)).points[0].losses).toEqual({ discriminator: 1.4, generator: null });
  });

  it('marks a lost worker with its reason and no rank; the next generation ranks only the others', () => {
    state.memberJoined(hello('w-a', 1));
    state.memberJoined(hello('w-b', 2));
    state.generationChanged(1, ['w-a', 'w-b']);
    state.memberLost('w-a', 'its connection dropped');
    state.memberLost('w-a', 'a later, second report');
    state.generationChanged(2, ['w-b']);
    expect(state.workerList().map((w) => [w.workerId, w.rank, w.status, w.lostReason])).toEqual([
      ['w-b', 0, 'alive', null],
      ['w-a', null, 'lost', 'its connection dropped'],
    ]);
    // Rejoining under the same id makes it a fresh joiner.
    state.memberJoined(hello('w-a', 3));
    expect(state.workerList().find((w) => w.workerId === 'w-a')).toMatchObject({ status: 'joined', pid: 3, lostReason: null });
  });

  it('keeps the latest sample grid, with a URL that changes with each grid', () => {
    expect(state.samplesWritten(4, '/runs/x/samples/step-000004.png')).toEqual({ step: 4, url: '/samples/latest.png?step=4' });
    state.samplesWritten(8, '/runs/x/samples/step-000008.png');
    expect(state.snapshot().sample).toEqual({ step: 8, url: '/samples/latest.png?step=8' });
    expect(state.latestSampleFile).toBe('/runs/x/samples/step-000008.png');
  });

  it('ends finished or failed; workers still in the job are done, lost ones stay lost', () => {
    state.memberJoined(hello('w-a', 1));
    state.memberJoined(hello('w-b', 2));
    state.generationChanged(1, ['w-a', 'w-b']);
    state.memberLost('w-b', 'killed');
    state.ended('failed', 'Only 1 worker left');
    expect(state.progress()).toEqual({ status: 'failed', message: 'Only 1 worker left', generation: 1, step: 0 });
    expect(state.workerList().map((w) => w.status)).toEqual(['done', 'lost']);
  });

  it('thins its points to half beyond maxPoints, keeping the whole span', () => {
    const small = new DashboardState({ run: RUN, now: () => now, maxPoints: 4 });
    for (let step = 0; step < 5; step++) small.stepFinished(metrics(step, { vae: 1 / (step + 1) }), new Map());
    expect(small.snapshot().points.map((p) => p.step)).toEqual([0, 2, 4]);
    expect(() => new DashboardState({ run: RUN, now: () => now, maxPoints: 1 })).toThrow(/maxPoints must be an integer of at least 2/);
  });
});

describe('thinInPlace', () => {
  it('drops every second element counting back from the newest, which it always keeps', () => {
    const odd = [0, 1, 2, 3, 4];
    thinInPlace(odd);
    expect(odd).toEqual([0, 2, 4]);
    const even = [0, 1, 2, 3, 4, 5];
    thinInPlace(even);
    expect(even).toEqual([1, 3, 5]);
  });
});
