import { inject, injectable } from 'inversify';
import type { StepMetrics } from '../metrics-sink';
import { PipelineSettings } from '../pipeline-definition';
import { SampleWriter } from '../sample-writer';
import type { TrainingListener, TrainingRun } from '../training-listener';

/** Has the bound SampleWriter draw a grid every `sampleEvery` steps and after the last step. */
@injectable()
export class SampleListener implements TrainingListener {
  constructor(
    @inject(SampleWriter) private readonly writer: SampleWriter,
    @inject(PipelineSettings) private readonly settings: PipelineSettings,
  ) {}

  async onStepEnd(run: TrainingRun, metrics: StepMetrics): Promise<void> {
    const { sampleEvery, sampleCount, seed } = this.settings;
    const done = metrics.step + 1;
    if (sampleEvery > 0 && (done % sampleEvery === 0 || done === run.totalSteps)) {
      run.addSample(await this.writer.write(run.model, done, sampleCount, seed));
    }
  }
}
