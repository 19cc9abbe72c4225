import type { MessageInit } from '@ganglion/comm';
import type { Clock } from '../clock';
import type { StepMetrics } from '../metrics-sink';
import { StepReporter } from './step-reporter';

/** A session stand-in: the rank and generation the test sets, STEP_DONEs recorded. */
class RecordingSession {
  rankNow = 0;
  generationNow = 1;
  readonly sent: MessageInit[] = [];
  rank(): number {
    return this.rankNow;
  }
  generation(): number {
    return this.generationNow;
  }
  async send(init: MessageInit): Promise<void> {
    this.sent.push(init);
  }
}

class SteppedClock implements Clock {
  ms = 0;
  now(): number {
    return this.ms;
  }
  date(): Date {
    return new Date(0);
  }
}

const metrics = (step: number, loss = step): StepMetrics => ({ step, losses: { vae: loss }, stepMs: 5, samplesPerSecond: 1, time: '2026-12-05T00:00:00.000Z' });
const sentSteps = (session: RecordingSession) =>
  session.sent.map((m) => (m.type === 'STEP_DONE' ? [m.step, (m.earlier ?? []).map((r) => r.step)] : m.type));

describe('StepReporter', () => {
  let session: RecordingSession;
  let clock: SteppedClock;
  let reporter: StepReporter;

  beforeEach(() => {
    session = new RecordingSession();
    clock = new SteppedClock();
    reporter = new StepReporter(session, clock);
  });

  /** Steps from..through end 10 ms apart. */
  function run(from: number, through: number, loss = (step: number) => step): void {
    for (let step = from; step <= through; step++) {
      clock.ms += 10;
      reporter.keep(step, 4, metrics(step, loss(step)));
    }
  }

  it("rank 0's STEP_DONE carries the kept reports before its step that its last one did not; a STEP's metricsThrough forgets them", async () => {
    reporter.forgetThrough(-1);
    run(0, 3);
    await reporter.send(3);
    expect(sentSteps(session)).toEqual([[3, [0, 1, 2]]]);
    const [done] = session.sent;
    expect(done).toMatchObject({ rank: 0, generation: 1, sampleCount: 4, values: { 'loss/vae': 3, stepMs: 10, endedAtMs: Date.parse('2026-12-05T00:00:00.000Z') } });
    reporter.forgetThrough(3); // the next STEP
    expect(reporter.keptSteps).toEqual([]);
    run(4, 7);
    await reporter.send(5); // a checksum step inside the grant
    await reporter.send(7); // the grant's last: only what the STEP_DONE of step 5 did not carry
    expect(sentSteps(session).slice(1)).toEqual([[5, [4]], [7, [6]]]);
    reporter.forgetThrough(7);
    expect(reporter.keptSteps).toEqual([]);
  });

  it('the other ranks send only their own step, and keep their reports for when they become rank 0', async () => {
    session.rankNow = 1;
    run(0, 3);
    await reporter.send(3);
    expect(sentSteps(session)).toEqual([[3, []]]);
    expect(reporter.keptSteps).toEqual([0, 1, 2, 3]);
    // Rank 0 died during step 4; this rank finished 4 and 5 and is rank 0 of generation 2, where the coordinator has written through 3.
    run(4, 5);
    session.rankNow = 0;
    session.generationNow = 2;
    reporter.forgetThrough(3);
    run(6, 7);
    await reporter.send(7);
    expect(sentSteps(session).at(-1)).toEqual([7, [4, 5, 6]]);
  });

  it('a step redone after the job went back drops the reports from that step on', () => {
    run(0, 5, () => 1);
    clock.ms += 100;
    reporter.keep(3, 4, metrics(3, 2)); // another rank's state was at step 3
    expect(reporter.keptSteps).toEqual([0, 1, 2, 3]);
  });

  it('stepMs is the time since the previous step ended, or the trainer\'s own time after a gap', () => {
    run(0, 1);
    clock.ms += 35;
    reporter.keep(2, 4, metrics(2));
    clock.ms += 50;
    reporter.keep(7, 4, metrics(7)); // the first step after a jump: no previous end to measure from
    void reporter.send(7);
    const [done] = session.sent;
    expect(done).toMatchObject({ type: 'STEP_DONE', step: 7, values: { stepMs: 5 } });
    expect(done.type === 'STEP_DONE' && done.earlier?.map((r) => r.values.stepMs)).toEqual([5, 10, 35]);
  });

  it('flush(): rank 0 resends what a generation that ended never delivered, and nothing otherwise', async () => {
    run(0, 3);
    await reporter.send(3);
    await reporter.flush();
    expect(sentSteps(session)).toEqual([[3, [0, 1, 2]]]); // its last STEP_DONE went out in this generation
    session.generationNow = 2;
    await reporter.flush();
    expect(sentSteps(session)).toEqual([[3, [0, 1, 2]], [3, [0, 1, 2]]]);
    session.rankNow = 1;
    session.generationNow = 3;
    await reporter.flush();
    expect(session.sent).toHaveLength(2);
  });

  it('refuses to send a step it kept no report of', async () => {
    await expect(reporter.send(2)).rejects.toThrow(/no report of step 2 was kept/);
  });
});
