import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConvVae, RowLstm } from '@ganglion/models';
import { layersModelFolderLoader } from '../checkpoints/layers-model-files';
import { exportWebSampler, type WebSamplerInfo } from './export-web-sampler';

describe('exportWebSampler', () => {
  let dir: string;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-web-'));
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the ConvVAE decoder as a LayersModel that tf.loadLayersModel loads and that computes what the decoder does', async () => {
    const model = new ConvVae({ latentDim: 4 });
    const out = path.join(dir, 'vae');
    try {
      const exported = await exportWebSampler(model, { outDir: out, count: 9, pipeline: 'fashion-vae', step: 12 });
      expect([...exported.files].sort()).toEqual(['index.html', 'model/group1-shard1of1.bin', 'model/model.json', 'sampler.js', 'sampler.json', 'tf.min.js']);
      const info = JSON.parse(fs.readFileSync(path.join(out, 'sampler.json'), 'utf8')) as WebSamplerInfo;
      expect(info).toEqual({
        format: 'ganglion-web-sampler',
        version: 1,
        model: 'conv-vae',
        network: 'decoder',
        kind: 'latent',
        latentDim: 4,
        imageShape: [28, 28, 1],
        pixelRange: [0, 1],
        count: 9,
        pipeline: 'fashion-vae',
        step: 12,
      });
      expect(fs.statSync(path.join(out, 'tf.min.js')).size).toBe(fs.statSync(require.resolve('@tensorflow/tfjs/dist/tf.min.js')).size);
      expect(fs.readFileSync(path.join(out, 'index.html'), 'utf8')).toMatch(/<script src="tf\.min\.js"><\/script>\s*<script src="sampler\.js"><\/script>/);

      const loaded = await tf.loadLayersModel(layersModelFolderLoader(path.join(out, 'model')));
      const z = tf.randomNormal([3, 4], 0, 1, 'float32', 7);
      const expected = model.decoder.predict(z) as tf.Tensor;
      const actual = loaded.predict(z) as tf.Tensor;
      expect(actual.shape).toEqual([3, 28, 28, 1]);
      expect(tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]).toBeLessThan(1e-6);
      tf.dispose([z, expected, actual]);
      loaded.dispose();
    } finally {
      model.dispose();
    }
  });

  it("writes the RowLSTM's row network, with its sampling mode, and it loads", async () => {
    const model = new RowLstm({ units: 6, sampleMode: 'mean' });
    const out = path.join(dir, 'rnn');
    try {
      const { info } = await exportWebSampler(model, { outDir: out, pipeline: 'fashion-rowlstm', step: 3 });
      expect(info).toMatchObject({ model: 'row-lstm', network: 'rnn', kind: 'rows', rowSampling: 'mean', count: 64, pixelRange: [0, 1] });
      const loaded = await tf.loadLayersModel(layersModelFolderLoader(path.join(out, 'model')));
      const rows = tf.randomUniform([2, 5, 28], 0, 1, 'float32', 3);
      const expected = model.network.predict(rows) as tf.Tensor;
      const actual = loaded.predict(rows) as tf.Tensor;
      expect(tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]).toBeLessThan(1e-6);
      tf.dispose([rows, expected, actual]);
      loaded.dispose();
    } finally {
      model.dispose();
    }
  });

  it('refuses an --out that is a file, and a count that is not a positive integer', async () => {
    const model = new ConvVae({ latentDim: 2 });
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, '');
    try {
      await expect(exportWebSampler(model, { outDir: file, pipeline: 'p', step: 0 })).rejects.toThrow(/a-file is a file; pass a folder/);
      await expect(exportWebSampler(model, { outDir: path.join(dir, 'n'), count: 1.5, pipeline: 'p', step: 0 })).rejects.toThrow('positive integer, got 1.5');
    } finally {
      model.dispose();
    }
  });
});
