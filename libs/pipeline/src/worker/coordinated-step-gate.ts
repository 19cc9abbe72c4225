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
 * coordinator's STEP (false on SHUTDOWN); after it, it sends STEP_DONE,
 * the barrier the coordinator waits on before the next STEP, with the
 * step's metrics and, when the STEP asked for one, a checksum of all
 * weights.
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
    const checksum = this.checksumRequested
      ? { value: weightsChecksum(await readModelWeights(this.model)), algorithm: WEIGHTS_CHECKSUM_ALGORITHM }
      : undefined;
    await this.session.send({ type: 'STEP_DONE', generation, step, rank, sampleCount, values: stepMetricsToValues(metrics), ...(checksum === undefined ? {} : { checksum }) });
  }
}
