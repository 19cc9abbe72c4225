import { inject, injectable } from 'inversify';
import { splitEvenly } from '@ganglion/data';
import { GenerativeModel } from '@ganglion/models';
import type { StepMetrics } from '../metrics-sink';
import { PipelineSettings } from '../pipeline-definition';
import type { StepGate } from '../step-gate';
import { readModelWeights } from '../job-messages/named-weights';
import { WEIGHTS_CHECKSUM_ALGORITHM, weightsChecksum } from '../job-messages/weights-checksum';
import { StepProgress } from './step-progress';
import { StepReporter } from './step-reporter';
import { WorkerSession } from './worker-session';

/**
 * A data-parallel worker's StepGate: before each step it waits for the
 * coordinator's go-ahead (a STEP, or the grant of an earlier one; false on
 * SHUTDOWN) and lets the StepReporter forget the reports the coordinator
 * has written; after it, the reporter keeps the step's report and, at the
 * grant's last step and its checksum steps, sends STEP_DONE with, when
 * asked, a checksum of all weights: the barrier the coordinator waits on
 * before the next grant.
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
    @inject(StepReporter) private readonly reporter: StepReporter,
  ) {}

  async beforeStep(step: number): Promise<boolean> {
    const command = await this.session.nextCommand(step);
    if (command.type === 'shutdown') return false;
    this.progress.beginStep(step);
    this.reporter.forgetThrough(command.metricsThrough);
    this.checksumRequested = command.checksum;
    this.reportRequested = command.report;
    return true;
  }

  async afterStep(step: number, metrics: StepMetrics): Promise<void> {
    this.reporter.keep(step, splitEvenly(this.settings.batchSize, this.session.worldSize())[this.session.rank()], metrics);
    if (!this.reportRequested) return; // a step inside the coordinator's grant
    const checksum = this.checksumRequested
      ? { value: weightsChecksum(await readModelWeights(this.model)), algorithm: WEIGHTS_CHECKSUM_ALGORITHM }
      : undefined;
    await this.reporter.send(step, checksum);
  }
}
