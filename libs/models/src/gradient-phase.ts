import * as tf from '@tensorflow/tfjs';
import type { NamedVariable, PhaseResult, TrainingBatch, TrainingPhase } from './generative-model';

/** The mean local loss of a phase, as a scalar built from tf ops on the phase's variables. */
export type PhaseLoss = (batch: TrainingBatch) => tf.Scalar;

/**
 * A training phase defined by a loss function over some variables and the
 * optimizer that owns their update. Gradients come from tf.variableGrads,
 * so computing them never touches the weights; applying them is a separate
 * call, which lets a data-parallel reducer average them in between.
 */
export class GradientPhase implements TrainingPhase {
  constructor(
    readonly name: string,
    readonly variables: readonly NamedVariable[],
    readonly optimizer: tf.Optimizer,
    private readonly loss: PhaseLoss,
  ) {}

  async computeGradients(batch: TrainingBatch): Promise<PhaseResult> {
    const varList = this.variables.map((v) => v.variable);
    const { value, grads } = tf.variableGrads(() => this.loss(batch), varList);
    let loss: number;
    try {
      loss = (await value.data())[0];
    } catch (error) {
      tf.dispose(Object.values(grads));
      throw error;
    } finally {
      value.dispose();
    }
    const gradients = this.variables.map(({ name, variable }) => {
      const gradient = grads[variable.name];
      if (gradient === undefined) {
        throw new Error(`Phase '${this.name}': no gradient reached variable '${name}'; is it used by the loss?`);
      }
      return gradient;
    });
    return { loss, gradients };
  }

  applyGradients(gradients: readonly tf.Tensor[]): void {
    if (gradients.length !== this.variables.length) {
      throw new Error(
        `Phase '${this.name}' has ${this.variables.length} variables but got ${gradients.length} gradients; ` +
          `pass one gradient per variable, in the order of phase.variables.`,
      );
    }
    const named = this.variables.map(({ name, variable }, i) => {
      const tensor = gradients[i];
      if (!tf.util.arraysEqual(tensor.shape, variable.shape)) {
        throw new Error(
          `Phase '${this.name}': gradient ${i} for '${name}' has shape [${tensor.shape}], ` +
            `the variable has [${variable.shape}].`,
        );
      }
      return { name: variable.name, tensor };
    });
    this.optimizer.applyGradients(named);
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
