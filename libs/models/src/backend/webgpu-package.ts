import { createRequire } from 'node:module';
import * as path from 'node:path';
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
 * holding a native addon, which Node 20.19+ can `require`. Where that is
 * refused (ERR_REQUIRE_ESM: older Node, or jest's VM context), the addon
 * itself, `dist/<platform>-<arch>/dawn.node`, is loaded instead: it exports
 * the same `create` and `globals` (index.js only adds a fix for buffers
 * left mapped at GPUDevice.destroy(), which Ganglion never calls). It
 * imports no tfjs, so loading it outside a test runner's registry shares
 * nothing that matters.
 */
export function loadWebGpuPackage(): WebGpuPackage {
  const nodeRequire = createRequire(__filename);
  try {
    return nodeRequire(WEBGPU_PACKAGE) as WebGpuPackage;
  } catch (error) {
    if ((error as { code?: unknown })?.code !== 'ERR_REQUIRE_ESM') throw error;
    const root = path.dirname(nodeRequire.resolve(`${WEBGPU_PACKAGE}/package.json`));
    const arch = process.platform === 'darwin' ? 'universal' : process.arch;
    return nodeRequire(path.join(root, 'dist', `${process.platform}-${arch}`, 'dawn.node')) as WebGpuPackage;
  }
}
