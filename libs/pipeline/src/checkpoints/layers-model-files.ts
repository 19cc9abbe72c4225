import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** File name of a saved LayersModel's topology and weights manifest. */
export const MODEL_JSON = 'model.json';
/** File name of its one weights shard. */
export const WEIGHTS_BIN = 'group1-shard1of1.bin';

/** The two files of a saved LayersModel, as bytes (not yet written anywhere). */
export interface LayersModelFiles {
  /** model.json: topology plus the standard `weightsManifest` pointing at WEIGHTS_BIN. */
  readonly modelJson: Buffer;
  /** group1-shard1of1.bin: every weight's values, in manifest order. */
  readonly weights: Buffer;
}

/**
 * Serialises a LayersModel into the files `tf.loadLayersModel` reads, in
 * memory: tfjs has no file:// handler without tfjs-node, so this saves
 * through `tf.io.withSaveHandler` and lays out model.json itself.
 */
export async function layersModelFiles(network: tf.LayersModel): Promise<LayersModelFiles> {
  let captured: tf.io.ModelArtifacts | undefined;
  await network.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (captured === undefined || captured.weightSpecs === undefined || captured.weightData === undefined) {
    throw new Error(`Saving the network '${network.name}' produced no weights; is it built?`);
  }
  const weights = Buffer.from(tf.io.CompositeArrayBuffer.join(captured.weightData));
  const modelJson = {
    modelTopology: captured.modelTopology,
    format: captured.format ?? 'layers-model',
    generatedBy: captured.generatedBy,
    convertedBy: captured.convertedBy ?? null,
    ...(captured.trainingConfig !== undefined ? { trainingConfig: captured.trainingConfig } : {}),
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: captured.weightSpecs }],
  };
  return { modelJson: Buffer.from(JSON.stringify(modelJson)), weights };
}

/**
 * An IOHandler that loads model.json + its weight shards from a folder on
 * disk: `tf.loadLayersModel(layersModelFolderLoader(dir))`.
 */
export function layersModelFolderLoader(folder: string): tf.io.IOHandler {
  return {
    load: async () => {
      const file = path.join(folder, MODEL_JSON);
      if (!fs.existsSync(file)) throw new Error(`${file} does not exist: not a saved LayersModel folder.`);
      const json = JSON.parse(fs.readFileSync(file, 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const shards = manifest.flatMap((group) => group.paths.map((shard) => fs.readFileSync(path.join(folder, shard))));
        const joined = Buffer.concat(shards);
        return [specs, joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength) as ArrayBuffer];
      });
    },
  };
}
