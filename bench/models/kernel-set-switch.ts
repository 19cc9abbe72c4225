import * as tf from '@tensorflow/tfjs';

/** The marker registerTrainingKernels puts on its configs (value: the stock config it replaced). */
const GANGLION_KERNEL = Symbol.for('ganglion.trainingKernel');

type MarkedKernelConfig = tf.KernelConfig & { [GANGLION_KERNEL]?: tf.KernelConfig | undefined };

/**
 * Swaps whole sets of training kernels on one backend, so that two versions
 * of Ganglion's kernels (say a checkout of an older commit and the working
 * tree) can be timed step by step in one process. For benchmarks only.
 */
export class KernelSetSwitch {
  private readonly sets: Array<Map<string, tf.KernelConfig>> = [];
  private readonly stock = new Map<string, tf.KernelConfig | undefined>();

  constructor(private readonly backendName: string) {}

  /**
   * Runs `register` (a registerTrainingKernels of some version, returning
   * the kernel names it registered), keeps what it registered as a set,
   * and puts the stock kernels back. Returns the set's index for `use`.
   */
  capture(register: (backendName: string) => string[]): number {
    const names = register(this.backendName);
    const set = new Map<string, tf.KernelConfig>();
    for (const name of names) {
      const config = tf.getKernel(name, this.backendName) as MarkedKernelConfig;
      if (!this.stock.has(name)) this.stock.set(name, GANGLION_KERNEL in config ? config[GANGLION_KERNEL] : config);
      set.set(name, config);
    }
    this.sets.push(set);
    this.restore([...set.keys()], new Map());
    return this.sets.length - 1;
  }

  /** Registers set `index` (and the stock kernels where it has none of a captured name). */
  use(index: number): void {
    const set = this.sets[index];
    if (set === undefined) throw new Error(`KernelSetSwitch: no kernel set ${index}; capture one first.`);
    this.restore([...this.stock.keys()], set);
  }

  private restore(names: readonly string[], set: ReadonlyMap<string, tf.KernelConfig>): void {
    for (const name of names) {
      if (tf.getKernel(name, this.backendName) !== undefined) tf.unregisterKernel(name, this.backendName);
      const config = set.get(name) ?? this.stock.get(name);
      if (config !== undefined) tf.registerKernel(config);
    }
  }
}
