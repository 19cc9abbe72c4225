import * as tf from '@tensorflow/tfjs';
import type { NamedVariable } from './generative-model';

/**
 * The trainable variables of a network, in layer order, each under the
 * stable name `<layer name>/<weight name>` (e.g. `generator/deconv1/kernel`).
 * The underlying tf.Variable may carry a `_1` suffix when a second network
 * with the same layer names lives in the process; the stable name does not.
 */
export function namedVariablesOf(network: tf.LayersModel): NamedVariable[] {
  const result: NamedVariable[] = [];
  for (const layer of network.layers) {
    for (const weight of layer.trainableWeights) {
      const weightName = weight.originalName.split('/').pop() ?? weight.originalName;
      const variable = weight.read();
      if (!(variable instanceof tf.Variable)) {
        throw new Error(`Weight '${weight.name}' of layer '${layer.name}' is not backed by a tf.Variable.`);
      }
      result.push({ name: `${layer.name}/${weightName}`, variable });
    }
  }
  return result;
}

/**
 * Throws when two variables share a name: gradients are reduced across
 * workers by name, so a clash would silently mix two variables' updates.
 */
export function assertUniqueVariableNames(owner: string, variables: readonly NamedVariable[]): void {
  const seen = new Set<string>();
  for (const { name } of variables) {
    if (name.length === 0) {
      throw new Error(`${owner}: a trainable variable has an empty name; give every layer an explicit name.`);
    }
    if (seen.has(name)) {
      throw new Error(
        `${owner}: two trainable variables are both named '${name}'. Gradients are exchanged by variable ` +
          `name, so names must be unique: give each layer a distinct explicit name (e.g. 'generator/deconv2').`,
      );
    }
    seen.add(name);
  }
}
