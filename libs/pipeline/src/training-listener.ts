import type { SamplerPosition } from '@ganglion/data';
import type { GenerativeModel } from '@ganglion/models';
import type { StepMetrics } from './metrics-sink';

/** What the Trainer tells its listeners about the run under way (one per `Trainer.run`). */
export interface TrainingRun {
  /** The model being trained, as trained so far. */
  readonly model: GenerativeModel;
  /** This call trains steps `startStep`..`totalSteps - 1`. */
  readonly startStep: number;
  readonly totalSteps: number;
  /** Where the run's sampler stands before `step` (a checkpoint records it). */
  position(step: number): SamplerPosition;
  /** Records a sample grid written, for the TrainingSummary. */
  addSample(file: string): void;
  /** Records a checkpoint folder written, for the TrainingSummary. */
  addCheckpoint(folder: string): void;
}

/**
 * An observer of the training loop, in the manner of Lightning's
 * callbacks: the Trainer calls every bound listener's hooks in binding
 * order (the defaults of pipelineModule first: metrics, step gate,
 * progress, samples, checkpoints; then any a run or pipeline adds), and
 * awaits each before the next. Every hook is optional.
 */
export interface TrainingListener {
  /** Before the first step (after the image shape was checked). */
  onTrainStart?(run: TrainingRun): void;
  /**
   * Before `step`; resolving to false stops training before it (how a
   * StepGate holds the loop in lock-step with the job). Listeners after
   * one that stops are not asked.
   */
  onStepStart?(run: TrainingRun, step: number): Promise<boolean>;
  /** After every phase of `metrics.step` has been applied. */
  onStepEnd?(run: TrainingRun, metrics: StepMetrics): void | Promise<void>;
  /** When the run ends, also on failure. */
  onTrainEnd?(run: TrainingRun): void;
}

/** DI token for the training listeners: bind any number; the Trainer multi-injects them. */
export const TrainingListener = Symbol('TrainingListener');
