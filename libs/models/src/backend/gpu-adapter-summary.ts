/** A WebGPU adapter as Ganglion reports it: plain data for logs, HELLO and the dashboard. */
export interface GpuAdapterSummary {
  /** GPUAdapterInfo.vendor (`nvidia`, `amd`, ...; empty on Dawn's OpenGL backend). */
  vendor: string;
  /** GPUAdapterInfo.architecture (`ampere`, `rdna-3`, ...; often empty). */
  architecture: string;
  /** GPUAdapterInfo.description, e.g. `NVIDIA GeForce RTX 4090` or `OpenGL version 4.5 (Core Profile) Mesa 22.3.6`. */
  description: string;
  /** GPUAdapterInfo.device, e.g. `llvmpipe-llvm-15-0-6-256-bits-`. */
  device: string;
  /** Dawn's backend that drives it: `vulkan`, `metal`, `d3d12`, `opengl`, ... (`default` when not forced). */
  dawnBackend: string;
  /** WebGPU feature level of the adapter: `core`, or `compatibility` (a subset; Dawn's OpenGL backend). */
  featureLevel: 'core' | 'compatibility';
  /** Position in Dawn's adapter list for this backend, when a GPU index was asked for. */
  index?: number;
  /** True for a CPU implementation (llvmpipe/lavapipe, SwiftShader, WARP): correct but slow. */
  software: boolean;
}

/** Names of CPU implementations of Vulkan, OpenGL and D3D, as drivers report them. */
const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render|\bwarp\b/i;

/** The adapter's identity fields as dawn.node reports them. */
export interface AdapterIdentity {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/**
 * Whether an adapter is a software GPU. WebGPU marks CPU adapters only
 * through `isFallbackAdapter`, which Dawn does not set for Mesa's llvmpipe
 * behind OpenGL, so the driver names are checked too.
 */
export function isSoftwareAdapter(info: AdapterIdentity): boolean {
  if (info.isFallbackAdapter === true) return true;
  return [info.vendor, info.architecture, info.device, info.description].some(
    (field) => typeof field === 'string' && SOFTWARE_NAMES.test(field),
  );
}

/** One phrase for a log line: `software GPU 'llvmpipe...' (vendor '', architecture '', OpenGL ..., Dawn opengl, compatibility)`. */
export function describeAdapter(adapter: GpuAdapterSummary): string {
  const kind = adapter.software ? 'software GPU' : 'GPU';
  const index = adapter.index === undefined ? '' : ` #${adapter.index}`;
  return (
    `${kind}${index} '${adapter.description || adapter.device}' (vendor '${adapter.vendor}', ` +
    `architecture '${adapter.architecture}', device '${adapter.device}', Dawn ${adapter.dawnBackend}, ${adapter.featureLevel})`
  );
}
