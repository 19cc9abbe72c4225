import { inject, injectable } from 'inversify';
import { splitEvenly } from '@ganglion/data';
import { GenerativeModel } from '@ganglion/models';
import type { StepMetrics } from '../metrics-sink';
import { PipelineSettings } from '../pipeline-definition';
import type { StepGate } from '../step-gate';
import { readModelWeights } from '../job-messages/named-weights';
import { stepMetricsToValues } from '../job-messages/step-metrics-values';
import { WEIGHTS_CHECKSUM_ALGORITHM, weightsChecksum } from '../job-messages/weights-checksum';
import { StepProgress } from './step-progress';
import { WorkerSession } from './worker-session';

/**
 * A data-parallel worker's StepGate: before each step it waits for the
 * coordinator's STEP (false on SHUTDOWN); after it, it reports METRICS,
 * a CHECKSUM of all weights when the STEP asked for one, and STEP_DONE,
 * the barrier the coordinator waits on before the next STEP.
 */
@injectable()
export class CoordinatedStepGate implements StepGate {
  private checksumRequested = false;

  constructor(
    @inject(WorkerSession) private readonly session: WorkerSession,
    @inject(GenerativeModel) private readonly model: GenerativeModel,
    @inject(PipelineSettings) private readonly settings: PipelineSettings,
    @inject(StepProgress) private readonly progress: StepProgress,
  ) {}

  async beforeStep(step: number): Promise<boolean> {
    const command = await this.session.nextCommand(step);
    if (command.type === 'shutdown') return false;
    this.progress.beginStep(step);
    this.checksumRequested = command.checksum;
    return true;
  }

  async afterStep(step: number, metrics: StepMetrics): Promise<void> {
    const rank = this.session.rank();
    const generation = this.session.generation();
    const sampleCount = splitEvenly(this.settings.batchSize, this.session.worldSize())[rank];
    await this.session.send({ type: 'METRICS', generation, step, rank, sampleCount, values: stepMetricsToValues(metrics) });
    if (this.checksumRequested) {
      const value = weightsChecksum(await readModelWeights(this.model));
      await this.session.send({ type: 'CHECKSUM', generation, step, rank, value, algorithm: WEIGHTS_CHECKSUM_ALGORITHM });
    }
    await this.session.send({ type: 'STEP_DONE', generation, step, rank });
  }
}
