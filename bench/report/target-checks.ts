import type { CoordinatorCpuRow } from '../launch/coordinator-cpu-section';
import { MODEL_CASES } from '../models/model-cases';
import type { OverheadRow, StepTimeRow } from '../models/model-section';
import type { ReduceRow } from '../reduce/reduce-section';
import type { ThroughputRow } from '../launch/throughput-section';

/** One target of issue 5 against what this run measured. */
export interface TargetCheck {
  readonly target: string;
  /** The measured median, in words, or why there is none. */
  readonly measured: string;
  /** undefined: not measured in this run. */
  readonly met: boolean | undefined;
}

/** What target checks read from a run. */
export interface MeasuredFigures {
  readonly stepTimes: readonly StepTimeRow[];
  readonly overhead: readonly OverheadRow[];
  readonly reducers: readonly ReduceRow[];
  readonly throughput: readonly ThroughputRow[];
  readonly launchAvailable: boolean;
  /** By --step-window, the default first (the coordinator-cpu section; empty when it did not run). */
  readonly coordinatorCpu: readonly CoordinatorCpuRow[];
}

const OVERHEAD_TARGET_PERCENT = 3;
/** Issue 10: the coordinator's CPU in ring mode, as a share of one core. */
const COORDINATOR_CPU_TARGET_PERCENT = 2;
const SCALING_TARGET = 0.95;
const ALLREDUCE_TARGET_MS = 8;
/** Issue 10: the ring's median over raw TCP's in the same ring pattern, by vector size (MiB). */
const RING_OVER_TCP_TARGETS: ReadonlyArray<{ readonly mebibytes: number; readonly ratio: number }> = [
  { mebibytes: 4, ratio: 1.25 },
  { mebibytes: 40, ratio: 1.5 },
];

/** Issue 5's and issue 10's targets, each met or not with its measured median (never a made-up figure). */
export function checkTargets(figures: MeasuredFigures): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const spec of MODEL_CASES) {
    const row = figures.stepTimes.find((r) => r.model === spec.key && r.backend === 'wasm');
    checks.push({
      target: `${spec.label} <= ${spec.targetWasmMs} ms/step (WASM, 1 thread, batch 64)`,
      measured: row === undefined ? 'not measured' : `${row.stepMs.median.toFixed(1)} ms median`,
      met: row === undefined ? undefined : row.stepMs.median <= spec.targetWasmMs,
    });
  }
  for (const spec of MODEL_CASES) {
    const row = figures.overhead.find((r) => r.model === spec.key);
    // The verdict reads the framework's own time (Trainer with a no-op model), which a
    // shared machine's noise cannot hide; the interleaved pairs are quoted beside it.
    checks.push({
      target: `framework overhead <= ${OVERHEAD_TARGET_PERCENT}% (${spec.label})`,
      measured:
        row === undefined
          ? 'not measured'
          : `${row.frameworkPercent.toFixed(2)}% (framework alone); interleaved pairs ${row.overheadPercent.median.toFixed(1)}% median`,
      met: row === undefined ? undefined : row.frameworkPercent <= OVERHEAD_TARGET_PERCENT,
    });
  }
  if (figures.throughput.length === 0) {
    checks.push({
      target: `scaling efficiency 1 -> 2 workers >= ${SCALING_TARGET} (every model)`,
      measured: figures.launchAvailable ? 'not measured (every launch failed)' : 'not measured: launch not available yet',
      met: undefined,
    });
  }
  for (const row of figures.throughput) {
    checks.push({
      target: `scaling efficiency 1 -> 2 workers >= ${SCALING_TARGET} (${row.label}, ${row.reducer})`,
      measured: `${row.scalingEfficiency.toFixed(3)}`,
      met: row.scalingEfficiency >= SCALING_TARGET,
    });
  }
  for (const method of ['ring', 'star'] as const) {
    const row = figures.reducers.find((r) => r.method === method && !r.fp16 && r.worldSize === 2 && r.mebibytes === 4);
    checks.push({
      target: `4 MiB allreduce between 2 workers <= ${ALLREDUCE_TARGET_MS} ms (${method}, f32)`,
      measured: row === undefined ? 'not measured' : `${row.ms.median.toFixed(1)} ms median`,
      met: row === undefined ? undefined : row.ms.median <= ALLREDUCE_TARGET_MS,
    });
  }
  for (const { mebibytes, ratio } of RING_OVER_TCP_TARGETS) {
    for (const worldSize of [2, 4]) {
      const row = figures.reducers.find((r) => r.method === 'ring' && !r.fp16 && r.worldSize === worldSize && r.mebibytes === mebibytes);
      const measured = row !== undefined && !Number.isNaN(row.timesCeiling);
      checks.push({
        target: `${mebibytes} MiB ring allreduce, ${worldSize} processes <= ${ratio}x raw TCP ring (f32)`,
        measured: measured ? `${row.timesCeiling.toFixed(2)}x (${row.ms.median.toFixed(1)} ms median; ${row.timesStream.toFixed(2)}x raw TCP stream)` : 'not measured',
        met: measured ? row.timesCeiling <= ratio : undefined,
      });
    }
  }
  const coordinator = figures.coordinatorCpu[0];
  checks.push({
    target: `coordinator CPU <= ${COORDINATOR_CPU_TARGET_PERCENT}% of a core (ring, ConvVAE, 2 workers, steady state)`,
    measured:
      coordinator === undefined
        ? 'not measured'
        : `${(100 * coordinator.coreShare.median).toFixed(2)}% (${coordinator.cpuMsPerStep.median.toFixed(2)} ms/step at ${coordinator.medianStepMs.median.toFixed(0)} ms/step, --step-window ${coordinator.stepWindow})`,
    met: coordinator === undefined ? undefined : coordinator.coreShare.median <= COORDINATOR_CPU_TARGET_PERCENT / 100,
  });
  return checks;
}

/** `met`, `NOT met` or `not measured`. */
export function verdict(check: TargetCheck): string {
  return check.met === undefined ? 'not measured' : check.met ? 'met' : 'NOT met';
}
