import type * as tf from '@tensorflow/tfjs';
import type { GenerativeModel } from '@ganglion/models';

/**
 * The network of a model that draws images on its own, and how to drive it:
 * - `latent`: maps z ~ N(0, I) of `latentDim` values to an image (the DCGAN
 *   generator, the ConvVAE decoder);
 * - `rows`: an LSTM first layer that reads a sequence of rows, then layers
 *   that predict the next row's pixel probabilities (the RowLSTM), so
 *   images are written one row at a time by stepping the LSTM's cell.
 */
export type SamplerNetwork =
  | { readonly kind: 'latent'; readonly name: string; readonly network: tf.LayersModel; readonly latentDim: number }
  | { readonly kind: 'rows'; readonly name: string; readonly network: tf.LayersModel; readonly rowWidth: number };

/** A model none of whose networks can draw images by itself in a browser. */
export class UnsupportedExportError extends Error {
  constructor(model: GenerativeModel) {
    const shapes = Object.entries(model.networks)
      .map(([name, network]) => `${name} ${shapeText(network.inputs[0]?.shape)} -> ${shapeText(network.outputs[0]?.shape)}`)
      .join(', ');
    super(
      `Cannot export the ${model.name} model: none of its networks (${shapes}) maps a latent vector [d] to an image ` +
        `[${model.imageShape.join(', ')}], or reads rows [t, ${model.imageShape[1] * model.imageShape[2]}] with an LSTM and predicts the next one. ` +
        'Export supports the DCGAN generator, the ConvVAE decoder and the RowLSTM.',
    );
    this.name = 'UnsupportedExportError';
  }
}

/**
 * Finds the network that draws the model's images, by the shapes of its
 * inputs and outputs rather than by model class, so a model of a
 * pipeline's own that has such a network exports too. Exactly one
 * network must match.
 */
export function samplerNetworkOf(model: GenerativeModel): SamplerNetwork {
  const [height, width, channels] = model.imageShape;
  const rowWidth = width * channels;
  const found: SamplerNetwork[] = [];
  for (const [name, network] of Object.entries(model.networks)) {
    if (network.inputs.length !== 1 || network.outputs.length !== 1) continue;
    const input = network.inputs[0].shape;
    const output = network.outputs[0].shape;
    if (input.length === 2 && typeof input[1] === 'number' && sameShape(output, [null, height, width, channels])) {
      found.push({ kind: 'latent', name, network, latentDim: input[1] });
    } else if (
      sameShape(input, [null, null, rowWidth]) &&
      sameShape(output, [null, null, rowWidth]) &&
      network.layers[0]?.getClassName() === 'LSTM'
    ) {
      found.push({ kind: 'rows', name, network, rowWidth });
    }
  }
  if (found.length !== 1) throw new UnsupportedExportError(model);
  return found[0];
}

function sameShape(shape: readonly (number | null)[], expected: readonly (number | null)[]): boolean {
  return shape.length === expected.length && shape.every((size, i) => size === expected[i]);
}

function shapeText(shape: readonly (number | null)[] | undefined): string {
  return shape === undefined ? '?' : `[${shape.map((size) => (size === null ? '?' : size)).join(', ')}]`;
}
