import type { StepMetrics } from '../metrics-sink';

const LOSS_PREFIX = 'loss/';

/**
 * A step's metrics as the named numbers a STEP_DONE carries (`values`):
 * `loss/<phase>`, stepMs, samplesPerSecond, reduceMs, and endedAtMs (the
 * line's `time` in milliseconds since the epoch, when it has one).
 */
export function stepMetricsToValues(metrics: StepMetrics): Record<string, number> {
  const values: Record<string, number> = {};
  for (const [phase, loss] of Object.entries(metrics.losses)) values[LOSS_PREFIX + phase] = loss;
  values.stepMs = metrics.stepMs;
  values.samplesPerSecond = metrics.samplesPerSecond;
  if (metrics.reduceMs !== undefined) values.reduceMs = metrics.reduceMs;
  const endedAtMs = Date.parse(metrics.time);
  if (Number.isFinite(endedAtMs)) values.endedAtMs = endedAtMs;
  return values;
}

/** The inverse of stepMetricsToValues; `time` stamps a line whose values have no endedAtMs. Phases keep the order they were sent in. */
export function stepMetricsFromValues(step: number, values: Readonly<Record<string, number>>, time: Date): StepMetrics {
  const losses: Record<string, number> = {};
  for (const [name, value] of Object.entries(values)) {
    if (name.startsWith(LOSS_PREFIX)) losses[name.slice(LOSS_PREFIX.length)] = value;
  }
  return {
    step,
    losses,
    stepMs: values.stepMs ?? NaN,
    samplesPerSecond: values.samplesPerSecond ?? NaN,
    ...(values.reduceMs === undefined ? {} : { reduceMs: values.reduceMs }),
    time: (Number.isFinite(values.endedAtMs) ? new Date(values.endedAtMs) : time).toISOString(),
  };
}
