import * as tf from '@tensorflow/tfjs';
import type { PixelRange } from '@ganglion/data';
import type { GenerativeModel, NamedVariable, PhaseResult, TrainingPhase } from '@ganglion/models';

/** Options of NoopModel. */
export interface NoopModelOptions {
  /** Number of phases, as in the model it stands in for (the GAN has 2). */
  readonly phases: number;
  /** Image shape of the batches the Trainer gathers for it. */
  readonly imageShape: readonly [number, number, number];
  readonly pixelRange: PixelRange;
}

/**
 * A model that does (almost) no arithmetic: each phase returns a zero
 * gradient for one scalar variable and applies nothing. Trained by
 * Ganglion's Trainer it leaves only the framework's own work per step
 * (sampler, batch gathering, synchronizer, metrics line, logging), which
 * can then be timed precisely even on a noisy machine.
 */
export class NoopModel implements GenerativeModel {
  readonly name = 'noop';
  readonly pixelRange: PixelRange;
  readonly imageShape: readonly [number, number, number];
  readonly phases: readonly TrainingPhase[];
  readonly networks: Readonly<Record<string, tf.LayersModel>> = {};
  private readonly variables: tf.Variable[];
  private readonly optimizer = tf.train.sgd(0);

  constructor(private readonly options: NoopModelOptions) {
    this.pixelRange = options.pixelRange;
    this.imageShape = options.imageShape;
    this.variables = Array.from({ length: options.phases }, (_, i) => tf.tidy(() => tf.variable(tf.zeros([1]), true, `noop/phase${i}/w`)));
    this.phases = this.variables.map((variable, i) => this.phase(`phase${i}`, { name: variable.name, variable }));
  }

  parameterCount(): number {
    return this.variables.length;
  }

  sample(): tf.Tensor4D {
    throw new Error('NoopModel draws no samples; run it with sampleEvery: 0.');
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options, imageShape: [...this.options.imageShape] };
  }

  dispose(): void {
    tf.dispose(this.variables);
    this.optimizer.dispose();
  }

  private phase(name: string, variable: NamedVariable): TrainingPhase {
    return {
      name,
      variables: [variable],
      optimizer: this.optimizer,
      computeGradients: async (): Promise<PhaseResult> => ({ loss: 0, gradients: [tf.zeros([1])] }),
      applyGradients: () => undefined,
    };
  }
}
