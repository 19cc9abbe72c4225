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
 * coordinator's go-ahead (a STEP, or the grant of an earlier one; false on
 * SHUTDOWN); after it, when asked (rank 0 every step, the others at the
 * grant's last step and checksum steps), it sends STEP_DONE with the
 * step's metrics and, when asked, a checksum of all weights: the barrier
 * the coordinator waits on before the next grant.
 */
@injectable()
export class CoordinatedStepGate implements StepGate {
  private checksumRequested = false;
  private reportRequested = true;

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
    this.reportRequested = command.report;
    return true;
  }

  async afterStep(step: number, metrics: StepMetrics): Promise<void> {
    if (!this.reportRequested) return; // a step inside the coordinator's grant, on a rank other than 0
    const rank = this.session.rank();
    const generation = this.session.generation();
    const sampleCount = splitEvenly(this.settings.batchSize, this.session.worldSize())[rank];
    const checksum = this.checksumRequested
      ? { value: weightsChecksum(await readModelWeights(this.model)), algorithm: WEIGHTS_CHECKSUM_ALGORITHM }
      : undefined;
    await this.session.send({ type: 'STEP_DONE', generation, step, rank, sampleCount, values: stepMetricsToValues(metrics), ...(checksum === undefined ? {} : { checksum }) });
  }
}
