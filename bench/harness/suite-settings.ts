import type { ModelKey } from '../models/model-cases';
import type { CoordinatorCpuSettings } from '../launch/coordinator-cpu-section';
import type { WeakScalingSettings } from '../launch/weak-scaling-section';

/** How much the suite measures: the full run or `--quick`. */
export interface SuiteSettings {
  readonly mode: 'full' | 'quick';
  /** Untimed steps before timing each model. */
  readonly warmupSteps: number;
  /**
   * Timed steps per model on WASM (bare and Trainer each). The cheap
   * models take more, so that a few % of overhead stands out of the noise.
   */
  readonly timedSteps: Readonly<Record<ModelKey, number>>;
  /** Timed steps per model on the other backends. */
  readonly otherBackendSteps: number;
  /** Time the VAE and RNN on the plain-JS cpu backend too (~1.5 and ~2.5 s per step here). */
  readonly cpuBackend: boolean;
  readonly reduceSizesMiB: readonly number[];
  readonly reduceWorldSizes: readonly number[];
  /** Measured allreduces per case and round, and untimed ones before; fewer for big vectors and many ranks. */
  readonly reduceRuns: (mebibytes: number, worldSize: number) => { runs: number; warmup: number };
  /**
   * Rounds per vector size and world size: each round times every method
   * once (fresh processes), in turn, so that the ratios to raw TCP compare
   * methods measured in the same minutes of a noisy machine.
   */
  readonly reduceRounds: number;
  /** Models trained through `ganglion launch` for throughput, by key. */
  readonly throughputModels: readonly string[];
  /** Steps per launch, and how many of the first to leave out of samples/s. */
  readonly launchSteps: number;
  readonly launchWarmupSteps: number;
  /** No measurement starts after this many seconds (the suite then lists the rest as skipped). */
  readonly budgetSeconds: number;
  /** The opt-in weak-scaling section against PyTorch DDP, with its own time budget in seconds. */
  readonly weakScaling: WeakScalingSettings & { readonly budgetSeconds: number };
  /** The opt-in coordinator-cpu section (steady-state CPU per step by --step-window), with its own time budget in seconds. */
  readonly coordinatorCpu: CoordinatorCpuSettings & { readonly budgetSeconds: number };
}

export const FULL_SETTINGS: SuiteSettings = {
  mode: 'full',
  warmupSteps: 3,
  timedSteps: { dcgan: 20, 'conv-vae': 60, 'row-lstm': 60 },
  otherBackendSteps: 20,
  cpuBackend: true,
  reduceSizesMiB: [1, 4, 40],
  reduceWorldSizes: [2, 4],
  reduceRuns: (mebibytes, worldSize) =>
    mebibytes >= 40 ? { runs: 4, warmup: 1 } : worldSize > 2 ? { runs: 10, warmup: 3 } : { runs: 15, warmup: 3 },
  reduceRounds: 3,
  throughputModels: ['dcgan', 'conv-vae', 'row-lstm'],
  launchSteps: 20,
  launchWarmupSteps: 4,
  budgetSeconds: 12 * 60 + 30,
  // Both frameworks alike, per model: untimed steps, then timed ones. V8 is still compiling tfjs's hot functions well
  // past the anchor's default 5 warm-up steps, and with 2 workers on 2 cores its compiler threads take their CPU from
  // the other worker: a 2-worker ConvVAE job still gains 7-16% between steps 20-50 and 100-150, a lone worker none
  // (BENCHMARKS.md, "Weak scaling: the first steps" and "seventh session"). The anchor gets the same --warmup. DCGAN's
  // steps are 15 times longer, so 20 of them are as long a warm-up. Five rounds: single rounds of either framework
  // spread by more than the gap between them.
  weakScaling: {
    models: ['dcgan', 'conv-vae', 'row-lstm'],
    rounds: 5,
    steps: { dcgan: { warmup: 20, timed: 30 }, 'conv-vae': { warmup: 100, timed: 100 }, 'row-lstm': { warmup: 100, timed: 100 } },
    budgetSeconds: 40 * 60,
  },
  coordinatorCpu: { rounds: 3, steps: 400, windows: [8, 1], budgetSeconds: 10 * 60 },
};

export const QUICK_SETTINGS: SuiteSettings = {
  mode: 'quick',
  warmupSteps: 1,
  timedSteps: { dcgan: 5, 'conv-vae': 15, 'row-lstm': 15 },
  otherBackendSteps: 5,
  cpuBackend: false,
  reduceSizesMiB: [4],
  reduceWorldSizes: [2],
  reduceRuns: () => ({ runs: 20, warmup: 3 }),
  reduceRounds: 1,
  throughputModels: ['conv-vae'],
  launchSteps: 12,
  launchWarmupSteps: 2,
  budgetSeconds: 100,
  weakScaling: {
    models: ['conv-vae'],
    rounds: 1,
    steps: { dcgan: { warmup: 2, timed: 8 }, 'conv-vae': { warmup: 2, timed: 8 }, 'row-lstm': { warmup: 2, timed: 8 } },
    budgetSeconds: 5 * 60,
  },
  coordinatorCpu: { rounds: 1, steps: 100, windows: [8, 1], budgetSeconds: 3 * 60 },
};
