import type { CoordinatorCpuRow } from '../launch/coordinator-cpu-section';
import type { WeakScalingRow } from '../launch/weak-scaling-section';
import type { MachineInfo } from './machine-info';
import type { OverheadRow, Skipped, StepTimeRow } from '../models/model-section';
import type { ReduceRow } from '../reduce/reduce-section';
import type { SourceVersion } from './source-version';
import type { TargetCheck } from './target-checks';
import type { ThreadsRow } from '../models/threads-section';
import type { ThroughputRow } from '../launch/throughput-section';

/** Everything one run of the suite measured: what bench/results/<date>.json holds. */
export interface SuiteResults {
  readonly mode: 'full' | 'quick';
  readonly command: string;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: MachineInfo;
  /** The commit measured, when the suite runs in a git checkout. */
  readonly source: SourceVersion;
  /** Load averages (1, 5, 15 min) when the suite ended. */
  readonly loadAverageAtEnd: readonly number[];
  readonly stepTimes: StepTimeRow[];
  readonly overhead: OverheadRow[];
  readonly reducers: ReduceRow[];
  readonly launchAvailable: boolean;
  readonly throughput: ThroughputRow[];
  /** WASM steps with 1 and 2 threads (only when `--only threads` asked for them). */
  readonly wasmThreads?: ThreadsRow[];
  /** Weak scaling against PyTorch DDP (only when `--only weak-scaling` asked for it). */
  readonly weakScaling?: WeakScalingRow[];
  /** The coordinator's steady-state CPU per step by --step-window (only when `--only coordinator-cpu` asked for it). */
  readonly coordinatorCpu?: CoordinatorCpuRow[];
  readonly skipped: Skipped[];
  readonly targets: TargetCheck[];
}
