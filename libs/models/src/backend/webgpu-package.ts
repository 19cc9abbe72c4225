import { createRequire } from 'node:module';
import type { AdapterIdentity } from './gpu-adapter-summary';

/** What Ganglion asks of a WebGPU adapter, as dawn.node provides it. */
export interface DawnAdapter {
  readonly info: AdapterIdentity;
  readonly features: ReadonlySet<string>;
  readonly limits: Readonly<Record<string, number>>;
  requestDevice(descriptor?: { requiredLimits?: Record<string, number>; requiredFeatures?: string[] }): Promise<DawnDevice>;
}

/** The parts of a GPUDevice this lib touches (tfjs-backend-webgpu uses the rest). */
export interface DawnDevice {
  destroy(): void;
  readonly lost: Promise<{ reason: string; message: string }>;
}

/** GPURequestAdapterOptions as used here. */
export interface AdapterRequest {
  powerPreference?: 'high-performance' | 'low-power';
  featureLevel?: 'core' | 'compatibility';
}

/** navigator.gpu of one Dawn instance. */
export interface DawnGpu {
  requestAdapter(options?: AdapterRequest): Promise<DawnAdapter | null>;
}

/** The npm package `webgpu` (dawn.node): `create(flags)` makes a Dawn instance; `globals` are GPUBufferUsage & co. */
export interface WebGpuPackage {
  create(flags: string[]): DawnGpu;
  globals: Record<string, unknown>;
}

/** npm name of dawn.node's package. */
export const WEBGPU_PACKAGE = 'webgpu';

/**
 * Loads the `webgpu` package with Node's own require: it is an ES module
 * holding a native addon, which Node 20.19+ can `require`, but which a test
 * runner's module registry (jest) cannot transform. It imports no tfjs, so
 * loading it outside that registry shares nothing that matters.
 */
export function loadWebGpuPackage(): WebGpuPackage {
  return createRequire(__filename)(WEBGPU_PACKAGE) as WebGpuPackage;
}
