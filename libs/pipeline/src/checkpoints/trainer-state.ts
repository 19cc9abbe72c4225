/** The trainer's own state in a checkpoint (trainer-state.json). */
export interface TrainerState {
  readonly format: 'ganglion-trainer-state';
  readonly version: 1;
  /** Steps completed: training resumes at this step. */
  readonly step: number;
  /** Sampler position of the next step: its epoch and batch within the epoch. */
  readonly epoch: number;
  readonly batchInEpoch: number;
  /** Seed of the data order and of every noise draw (noise is keyed by seed, step, phase, index: step is the whole RNG state). */
  readonly seed: number;
  readonly globalBatchSize: number;
  readonly pipeline: { readonly name: string; readonly file: string; readonly hash: string };
  /** Model name (`dcgan`, `conv-vae`, ...) and its networks, in the order saved. */
  readonly model: string;
  readonly networks: readonly string[];
  /** Membership generation and world size when it was taken (0 and 1 in one process). */
  readonly generation: number;
  readonly worldSize: number;
  readonly savedAt: string;
}
