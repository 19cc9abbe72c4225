import { inject, injectable, optional } from 'inversify';
import { CheckpointStore } from '../checkpoints/checkpoint-store';
import type { StepMetrics } from '../metrics-sink';
import { PipelineSettings } from '../pipeline-definition';
import { ProcessGroup } from '../process-group';
import type { TrainingListener, TrainingRun } from '../training-listener';

/**
 * With a CheckpointStore bound, has rank 0 save a checkpoint every
 * `checkpointEvery` steps and after the last step; without one, nothing.
 */
@injectable()
export class CheckpointListener implements TrainingListener {
  constructor(
    @inject(ProcessGroup) private readonly group: ProcessGroup,
    @inject(PipelineSettings) private readonly settings: PipelineSettings,
    @inject(CheckpointStore) @optional() private readonly store?: CheckpointStore,
  ) {}

  async onStepEnd(run: TrainingRun, metrics: StepMetrics): Promise<void> {
    const { checkpointEvery } = this.settings;
    const done = metrics.step + 1;
    if (this.store === undefined || this.group.rank() !== 0) return;
    if (!((checkpointEvery > 0 && done % checkpointEvery === 0) || done === run.totalSteps)) return;
    const { epoch, batchInEpoch } = run.position(done);
    run.addCheckpoint(await this.store.save(run.model, { step: done, epoch, batchInEpoch, worldSize: this.group.worldSize(), generation: 0 }));
  }
}
