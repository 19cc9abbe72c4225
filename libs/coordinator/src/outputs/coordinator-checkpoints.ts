import type { Envelope, StateHeader } from '@ganglion/comm';
import { type Logger, pruneCheckpoints, stateFiles, type VerifiedCheckpoint, verifyCheckpointFiles, writeCheckpointFiles } from '@ganglion/pipeline';

export interface CoordinatorCheckpointsOptions {
  /** The run's checkpoints folder: runs/<name>/<ts>/checkpoints. */
  readonly folder: string;
  /** Checkpoints kept; older ones are deleted after each write. */
  readonly keep: number;
}

/**
 * The coordinator's checkpoints of a data-parallel run: each STATE rank 0
 * sends at a checkpoint step is checked against its manifest and written
 * with the same atomic writer and layout as `ganglion train`
 * (checkpoints/step-NNNNNN/), keeping the newest `keep`.
 */
export class CoordinatorCheckpoints {
  constructor(
    private readonly options: CoordinatorCheckpointsOptions,
    private readonly logger: Logger,
  ) {
    if (!Number.isInteger(options.keep) || options.keep < 1) throw new RangeError(`keepCheckpoints must be a positive integer, got ${options.keep}.`);
  }

  /** Verifies and writes the checkpoint a STATE carries; returns it (folder = where it was written). */
  write(envelope: Envelope<StateHeader>): VerifiedCheckpoint {
    const { header } = envelope;
    const files = stateFiles(envelope);
    const checked = verifyCheckpointFiles(`STATE from rank ${header.rank} for step ${header.step}`, files);
    const folder = writeCheckpointFiles(this.options.folder, header.step, files);
    const removed = pruneCheckpoints(this.options.folder, this.options.keep);
    this.logger.info({ checkpoint: folder, step: header.step, removed }, `checkpoint ${folder}`);
    return { ...checked, folder };
  }
}
