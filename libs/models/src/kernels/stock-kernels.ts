import * as tf from '@tensorflow/tfjs';

/**
 * The kernel functions tfjs registered for one backend, captured before
 * Ganglion replaces any of them, so a replacement can delegate to the stock
 * implementation (`Conv2D`, `Transpose`, the stock `BatchMatMul`, ...).
 */
export class StockKernels {
  private constructor(
    readonly backendName: string,
    private readonly configs: ReadonlyMap<string, tf.KernelConfig>,
  ) {}

  /**
   * Wraps stock kernel configs captured before Ganglion replaced any of
   * them (see registerTrainingKernels).
   */
  static fromConfigs(backendName: string, configs: readonly tf.KernelConfig[]): StockKernels {
    return new StockKernels(backendName, new Map(configs.map((c) => [c.kernelName, c])));
  }

  /** Whether tfjs had a kernel of this name for the backend. */
  has(kernelName: string): boolean {
    return this.configs.has(kernelName);
  }

  /** The stock kernel config; throws if tfjs had none of that name. */
  config(kernelName: string): tf.KernelConfig {
    const config = this.configs.get(kernelName);
    if (config === undefined) {
      throw new Error(
        `tfjs registered no '${kernelName}' kernel for the '${this.backendName}' backend, ` +
          `which a Ganglion training kernel delegates to. Check that @tensorflow/tfjs and the ` +
          `backend package are both version 4.22.`,
      );
    }
    return config;
  }

  /** The stock kernel function; throws if tfjs had none of that name. */
  kernelFunc(kernelName: string): tf.KernelFunc {
    return this.config(kernelName).kernelFunc;
  }
}
