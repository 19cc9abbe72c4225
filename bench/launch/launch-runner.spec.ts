import { coordinatorCpuOf } from './launch-runner';

describe('coordinatorCpuOf', () => {
  it("reads a run's closing summary: median step time and the coordinator's CPU per step", () => {
    const tail = 'Trained 400 steps with 2 workers (reducer ring): 57 ms/step (median), reduce 5.1 ms/step, coordinator CPU 1.37 ms/step.\nWeights identical';
    expect(coordinatorCpuOf(tail)).toEqual({ medianStepMs: 57, cpuMsPerStep: 1.37 });
  });

  it('is undefined when the line is missing (a run that printed no summary)', () => {
    expect(coordinatorCpuOf('Trained 400 steps with 1 worker: 40 ms/step')).toBeUndefined();
  });
});
