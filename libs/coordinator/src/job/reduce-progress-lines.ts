import { LineProgressReporter, type Logger, median, type PipelineSettings, type ProgressReporter, roundToTenth } from '@ganglion/pipeline';

/**
 * The coordinator's progress lines where no bar is shown: the Trainer's
 * line format, with the median reduce time, the reducer and the world size
 * in place of samples/s, e.g. `step 6/6 loss vae=0.1234 40 ms/step,
 * reduce 1.2 ms/step [ring, world size 2]`.
 */
export function reduceProgressLines(settings: PipelineSettings, logger: Logger, worldSize: () => number): ProgressReporter {
  const { batchSize, logEvery, distributed } = settings;
  return new LineProgressReporter({
    logEvery,
    write: (fields, text) => logger.info(fields, text),
    detail: (recent) => {
      const stepMs = median(recent.map((m) => m.stepMs));
      const reduceMs = median(recent.map((m) => m.reduceMs ?? 0));
      const size = worldSize();
      return {
        fields: { reduceMs: roundToTenth(reduceMs), samplesPerSecond: roundToTenth((batchSize * 1000) / stepMs), worldSize: size, reducer: distributed.reducer },
        text: `, reduce ${reduceMs.toFixed(1)} ms/step [${distributed.reducer}, world size ${size}]`,
      };
    },
  });
}
