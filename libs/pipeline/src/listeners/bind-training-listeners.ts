import type { Bind } from 'inversify';
import { TrainingListener } from '../training-listener';
import { CheckpointListener } from './checkpoint-listener';
import { MetricsListener } from './metrics-listener';
import { ProgressListener } from './progress-listener';
import { SampleListener } from './sample-listener';
import { StepGateListener } from './step-gate-listener';

/**
 * Binds the Trainer's default listeners, in the order their effects
 * happen after each step: the metrics line, the step gate, progress, the
 * sample grid, the checkpoint. Each one adapts a seam (MetricsSink,
 * StepGate, ProgressReporter, SampleWriter, CheckpointStore), so
 * rebinding that seam changes what its listener drives.
 */
export function bindTrainingListeners(bind: Bind): void {
  for (const listener of [MetricsListener, StepGateListener, ProgressListener, SampleListener, CheckpointListener]) {
    bind(TrainingListener).to(listener).inSingletonScope();
  }
}
