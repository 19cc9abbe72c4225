import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PixelRange } from '@ganglion/data';
import { DurableFiles } from '@ganglion/storage';
import type { GenerativeModel } from '@ganglion/models';
import { layersModelFiles, MODEL_JSON, WEIGHTS_BIN } from '../checkpoints/layers-model-files';
import { samplerNetworkOf, type SamplerNetwork } from './sampler-network';

export interface WebSamplerOptions {
  /** Folder to write the page into (created; files of the same names are replaced). */
  readonly outDir: string;
  /** Images drawn per press of the button. Default 64. */
  readonly count?: number;
  /** What the page says it shows: the pipeline name and the checkpoint's step. */
  readonly pipeline: string;
  readonly step: number;
  /**
   * Path of TensorFlow.js's browser bundle, copied next to the page so that
   * it works offline. Default: @tensorflow/tfjs/dist/tf.min.js.
   */
  readonly tfjsBundle?: string;
}

/** sampler.json: what the page's script needs to drive the exported network. */
export interface WebSamplerInfo {
  readonly format: 'ganglion-web-sampler';
  readonly version: 1;
  /** Model name (`dcgan`, `conv-vae`, `row-lstm`) and the network exported. */
  readonly model: string;
  readonly network: string;
  readonly kind: SamplerNetwork['kind'];
  /** Size of z for kind 'latent'. */
  readonly latentDim?: number;
  /** How a row's probabilities become pixels, for kind 'rows'. */
  readonly rowSampling?: 'bernoulli' | 'mean';
  readonly imageShape: readonly [number, number, number];
  readonly pixelRange: PixelRange;
  readonly count: number;
  readonly pipeline: string;
  readonly step: number;
}

/** What exportWebSampler wrote, relative paths inside `outDir`. */
export interface WebSamplerExport {
  readonly outDir: string;
  readonly info: WebSamplerInfo;
  readonly files: readonly string[];
}

/** Folder of the page's static files (index.html, sampler.js), beside this module. */
const PAGE_FILES = path.join(__dirname, 'web');

/**
 * Writes a static web page that draws the model's samples in a browser:
 *
 *     model/model.json + group1-shard1of1.bin   the sampling network (tf.loadLayersModel)
 *     sampler.json                              how to drive it (WebSamplerInfo)
 *     index.html + sampler.js                   the page and its readable script
 *     tf.min.js                                 TensorFlow.js, so no CDN is needed
 *
 * The network is the one samplerNetworkOf finds (DCGAN generator, ConvVAE
 * decoder, RowLSTM); other models get an UnsupportedExportError.
 */
export async function exportWebSampler(model: GenerativeModel, options: WebSamplerOptions): Promise<WebSamplerExport> {
  const count = options.count ?? 64;
  if (!Number.isInteger(count) || count < 1) throw new Error(`The number of images per draw must be a positive integer, got ${count}.`);
  const sampler = samplerNetworkOf(model);
  const outDir = path.resolve(options.outDir);
  if (fs.existsSync(outDir) && !fs.statSync(outDir).isDirectory()) {
    throw new Error(`--out ${options.outDir} is a file; pass a folder for the web page (it is created if missing).`);
  }
  const tfjsBundle = options.tfjsBundle ?? require.resolve('@tensorflow/tfjs/dist/tf.min.js');
  if (!fs.existsSync(tfjsBundle)) throw new Error(`TensorFlow.js's browser bundle ${tfjsBundle} does not exist; is @tensorflow/tfjs installed?`);

  const info: WebSamplerInfo = {
    format: 'ganglion-web-sampler',
    version: 1,
    model: model.name,
    network: sampler.name,
    kind: sampler.kind,
    ...(sampler.kind === 'latent' ? { latentDim: sampler.latentDim } : { rowSampling: rowSamplingOf(model) }),
    imageShape: [...model.imageShape] as [number, number, number],
    pixelRange: model.pixelRange,
    count,
    pipeline: options.pipeline,
    step: options.step,
  };
  const { modelJson, weights } = await layersModelFiles(sampler.network);
  const files = new Map<string, Buffer>([
    [`model/${MODEL_JSON}`, modelJson],
    [`model/${WEIGHTS_BIN}`, weights],
    ['sampler.json', Buffer.from(JSON.stringify(info, null, 2) + '\n')],
    ['index.html', fs.readFileSync(path.join(PAGE_FILES, 'index.html'))],
    ['sampler.js', fs.readFileSync(path.join(PAGE_FILES, 'sampler.js'))],
    ['tf.min.js', fs.readFileSync(tfjsBundle)],
  ]);
  const durable = new DurableFiles();
  for (const [relative, bytes] of files) durable.writeFile(path.join(outDir, relative), bytes);
  return { outDir, info, files: [...files.keys()] };
}

/** The RowLSTM's sampleMode ('bernoulli' unless its config says 'mean'). */
function rowSamplingOf(model: GenerativeModel): 'bernoulli' | 'mean' {
  return model.getConfig()['sampleMode'] === 'mean' ? 'mean' : 'bernoulli';
}
