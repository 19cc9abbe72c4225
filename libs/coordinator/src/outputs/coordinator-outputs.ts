import * as path from 'node:path';
import { writeImageGrid } from '@ganglion/data';
import { JsonlMetricsSink, type MetricsSink, type NamedWeights, type RunPaths, sampleGridName, writeWeightsFile } from '@ganglion/pipeline';

/** Images a worker drew, as a SAMPLES message describes them. */
export interface SampleImages {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly pixelRange: readonly [number, number];
  /** NHWC pixels in pixelRange. */
  readonly pixels: Float32Array;
}

/** Where the coordinator puts what a run produces. */
export interface CoordinatorOutputs {
  readonly metrics: MetricsSink;
  /** Writes a sample grid for `step`; returns its path. */
  writeSamples(step: number, images: SampleImages): string;
  /** Writes the trained weights; returns the manifest's path. */
  writeFinalWeights(step: number, weights: readonly NamedWeights[]): string;
  close(): void;
}

/** The run folder: metrics.jsonl, samples/step-000500.png, final-weights.json + .bin. */
export class RunFolderOutputs implements CoordinatorOutputs {
  readonly metrics: MetricsSink;

  constructor(private readonly paths: RunPaths) {
    this.metrics = new JsonlMetricsSink(paths.metrics);
  }

  writeSamples(step: number, images: SampleImages): string {
    const file = path.join(this.paths.samples, sampleGridName(step));
    const { count, height, width, channels, pixelRange, pixels } = images;
    writeImageGrid(file, pixels, { count, height, width, channels, range: pixelRange });
    return file;
  }

  writeFinalWeights(step: number, weights: readonly NamedWeights[]): string {
    return writeWeightsFile(path.join(this.paths.root, 'final-weights.json'), weights, step);
  }

  close(): void {
    this.metrics.close();
  }
}
