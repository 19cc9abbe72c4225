import * as path from 'node:path';
import { inject, injectable } from 'inversify';
import type { GenerativeModel } from '@ganglion/models';
import type { SampleWriter } from '../sample-writer';
import { WorkerSession } from './worker-session';

/** File name of the grid for `step`, as the coordinator writes it under samples/. */
export function sampleGridName(step: number): string {
  return `step-${String(step).padStart(6, '0')}.png`;
}

/**
 * A data-parallel worker's SampleWriter: rank 0 draws the grid (every rank
 * holds the same weights, so one is enough) and sends the pixels to the
 * coordinator as SAMPLES; the coordinator writes the PNG. Other ranks do
 * nothing and return ''.
 */
@injectable()
export class RemoteSampleWriter implements SampleWriter {
  constructor(@inject(WorkerSession) private readonly session: WorkerSession) {}

  async write(model: GenerativeModel, step: number, count: number, seed: number): Promise<string> {
    if (this.session.rank() !== 0) return '';
    const images = model.sample(count, seed);
    let pixels: Float32Array;
    let shape: number[];
    try {
      shape = images.shape;
      pixels = new Float32Array((await images.data()) as Float32Array);
    } finally {
      images.dispose();
    }
    const [, height, width, channels] = shape;
    await this.session.send(
      {
        type: 'SAMPLES',
        generation: this.session.generation(),
        step,
        rank: 0,
        count,
        height,
        width,
        channels,
        pixelRange: [model.pixelRange[0], model.pixelRange[1]],
      },
      { values: [pixels] },
    );
    return path.join('samples', sampleGridName(step));
  }
}
