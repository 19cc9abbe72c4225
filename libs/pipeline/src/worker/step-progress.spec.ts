import { StepProgress } from './step-progress';

describe('StepProgress', () => {
  it('reports the step boundary or the phases applied of an interrupted step', () => {
    const progress = new StepProgress();
    progress.resumeAt({ step: 4, phase: 0 });
    expect(progress.position(2)).toEqual({ step: 4, phase: 0 });
    progress.beginStep(4);
    progress.phaseReduced(4, 0);
    expect(progress.position(2)).toEqual({ step: 4, phase: 1 });
    progress.phaseReduced(4, 1);
    expect(progress.position(2)).toEqual({ step: 5, phase: 0 });
    progress.beginStep(5);
    expect(progress.position(2)).toEqual({ step: 5, phase: 0 });
    // A state received mid-step: beginning that step keeps the phases already applied.
    progress.resumeAt({ step: 7, phase: 1 });
    progress.beginStep(7);
    expect(progress.position(2)).toEqual({ step: 7, phase: 1 });
    expect(progress.position(1)).toEqual({ step: 8, phase: 0 });
  });
});
