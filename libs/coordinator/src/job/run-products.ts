import type { Envelope, SamplesHeader, StateHeader, WeightsHeader } from '@ganglion/comm';
import type { Logger, VerifiedCheckpoint } from '@ganglion/pipeline';
import type { CoordinatorEvents } from '../dashboard/coordinator-events';
import type { CoordinatorCheckpoints } from '../outputs/coordinator-checkpoints';
import type { CoordinatorOutputs } from '../outputs/coordinator-outputs';

/**
 * What rank 0 sends that the run keeps (SAMPLES and STATE during training, STATE and WEIGHTS at the end): sample
 * grids, checkpoints (the newest one is where a job without any rank
 * holding the state continues from) and the final weights.
 */
export class RunProducts {
  private readonly samples: string[] = [];
  private finalWeights: Envelope<WeightsHeader> | undefined;
  private newest: VerifiedCheckpoint | undefined;

  constructor(
    private readonly outputs: CoordinatorOutputs,
    /** Writes checkpoints; without it none are written. */
    private readonly checkpoints: CoordinatorCheckpoints | undefined,
    /** The checkpoint the job resumed from, if any. */
    resumedFrom: VerifiedCheckpoint | undefined,
    private readonly logger: Logger,
    private readonly events: CoordinatorEvents | undefined,
  ) {
    this.newest = resumedFrom;
  }

  /** The newest checkpoint: the one resumed from, then each one written. */
  get latestCheckpoint(): VerifiedCheckpoint | undefined {
    return this.newest;
  }

  /** The sample grids written so far. */
  get sampleFiles(): readonly string[] {
    return [...this.samples];
  }

  get hasFinalWeights(): boolean {
    return this.finalWeights !== undefined;
  }

  /** Writes a checkpoint from rank 0's STATE at a step boundary; a failed write is logged, not fatal. */
  writeCheckpoint(envelope: Envelope<StateHeader>): void {
    if (this.checkpoints === undefined || envelope.header.phase !== 0) return;
    try {
      this.newest = this.checkpoints.write(envelope);
    } catch (error) {
      this.logger.error({ step: envelope.header.step, error: (error as Error).message }, `could not write the checkpoint of step ${envelope.header.step}: ${(error as Error).message}`);
    }
  }

  writeSamples(envelope: Envelope<SamplesHeader>): void {
    const { step, count, height, width, channels, pixelRange } = envelope.header;
    const file = this.outputs.writeSamples(step, { count, height, width, channels, pixelRange, pixels: envelope.payload[0] });
    this.samples.push(file);
    this.events?.samplesWritten(step, file);
    this.logger.info({ step, file }, `sample grid ${file}`);
  }

  /** Keeps rank 0's final WEIGHTS until writeFinalWeights(). */
  keepFinalWeights(envelope: Envelope<WeightsHeader>): void {
    this.finalWeights = envelope;
  }

  /** Writes the final weights kept; returns the file, or undefined when none came. */
  writeFinalWeights(): string | undefined {
    if (this.finalWeights === undefined) return undefined;
    const { header, payload } = this.finalWeights;
    const weights = header.names.map((name, i) => ({ name, shape: header.shapes[i], values: payload[i] }));
    const file = this.outputs.writeFinalWeights(header.step, weights);
    this.logger.info({ file, tensors: weights.length }, `final weights ${file}`);
    return file;
  }
}
