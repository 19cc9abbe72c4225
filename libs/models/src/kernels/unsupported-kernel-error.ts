/**
 * Thrown by a Ganglion training kernel when it is asked for something it does
 * not implement (NCHW layout, dilations > 1, a dtype other than float32), in
 * the way PyTorch's c10d backends throw for an unsupported collective: the
 * message names the kernel, the backend, what was asked and what to do.
 */
export class UnsupportedKernelError extends Error {
  override readonly name = 'UnsupportedKernelError';

  constructor(
    /** tfjs kernel name, e.g. `Conv2DBackpropFilter`. */
    readonly kernelName: string,
    /** tfjs backend name, e.g. `wasm`. */
    readonly backendName: string,
    /** What was asked that the kernel cannot do. */
    readonly detail: string,
  ) {
    super(
      `Ganglion's ${kernelName} kernel for the '${backendName}' backend does not support ${detail}. ` +
        `Use NHWC float32 tensors with dilations of 1, or train on the 'tensorflow' backend ` +
        `(install @tensorflow/tfjs-node) which has native kernels for every case.`,
    );
  }
}
