/**
 * Installs the WebGPU constants tfjs-backend-webgpu reads as globals
 * (GPUBufferUsage, GPUMapMode, GPUShaderStage, ...; a browser has them,
 * Node does not) from the `webgpu` package's `globals`. Called by
 * selectBackend when webgpu is tried, never at import. Names already
 * defined are left alone. Returns the names installed.
 *
 * `navigator.gpu` is not installed: tfjs-backend-webgpu only reads it to
 * register its own backend factory, and Ganglion registers its own (see
 * startWebGpuBackend) for the adapter it chose.
 */
export function installWebGpuGlobals(globals: Record<string, unknown>, target: object = globalThis): string[] {
  const installed: string[] = [];
  for (const [name, value] of Object.entries(globals)) {
    if (name in target) continue;
    Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
    installed.push(name);
  }
  return installed;
}
