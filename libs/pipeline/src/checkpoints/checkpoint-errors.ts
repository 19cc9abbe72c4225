/** A checkpoint folder whose files are missing or do not match its manifest's checksums. */
export class CorruptCheckpointError extends Error {
  constructor(
    readonly folder: string,
    readonly problem: string,
  ) {
    super(`Checkpoint ${folder} is corrupt or incomplete: ${problem}.`);
    this.name = 'CorruptCheckpointError';
  }
}

/** No usable checkpoint where `--resume` pointed. */
export class NoCheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoCheckpointError';
  }
}
