import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { ConvVae } from '@ganglion/models';
import { drawSampleGrid } from './draw-sample-grid';

describe('drawSampleGrid', () => {
  let dir: string;
  let model: ConvVae;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-grid-'));
    model = new ConvVae({ latentDim: 3 });
  });

  afterAll(() => {
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("writes the model's samples as a PNG grid of the size it reports, the same for the same seed", async () => {
    const file = path.join(dir, 'nested', 'grid.png');
    const grid = await drawSampleGrid(model, { count: 6, seed: 5, file, columns: 3 });
    const png = PNG.sync.read(fs.readFileSync(file));
    // 3 columns x 2 rows of 28 px with 2 px of padding around and between.
    expect([grid.width, grid.height]).toEqual([3 * 28 + 4 * 2, 2 * 28 + 3 * 2]);
    expect([png.width, png.height]).toEqual([grid.width, grid.height]);
    // Not constant: besides the black padding, the untrained decoder draws several grey levels.
    expect(new Set(png.data).size).toBeGreaterThan(2);

    const again = path.join(dir, 'again.png');
    await drawSampleGrid(model, { count: 6, seed: 5, file: again, columns: 3 });
    expect(fs.readFileSync(again).equals(fs.readFileSync(file))).toBe(true);
    await drawSampleGrid(model, { count: 6, seed: 6, file: again, columns: 3 });
    expect(fs.readFileSync(again).equals(fs.readFileSync(file))).toBe(false);
  });

  it('refuses a count that is not a positive integer, and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    await expect(drawSampleGrid(model, { count: 0, seed: 1, file: path.join(dir, 'x.png') })).rejects.toThrow('positive integer, got 0');
    await drawSampleGrid(model, { count: 2, seed: 1, file: path.join(dir, 'y.png') });
    expect(tf.memory().numTensors).toBe(before);
    expect(fs.existsSync(path.join(dir, 'x.png'))).toBe(false);
  });
});
