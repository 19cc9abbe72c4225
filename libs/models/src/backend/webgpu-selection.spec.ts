import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { BackendUnavailableError } from './backend-unavailable-error';
import { listDawnAdapters } from './dawn-adapter-list';
import { isSoftwareAdapter } from './gpu-adapter-summary';
import { installWebGpuGlobals } from './install-webgpu-globals';
import { selectBackend } from './select-backend';
import { hasVulkanLoader } from './vulkan-loader';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AdapterRequest, DawnAdapter, WebGpuPackage } from './webgpu-package';

/** A GPU as a fake Dawn reports it. */
interface FakeGpu {
  backend: string;
  name: string;
  info: DawnAdapter['info'];
}

const RTX: FakeGpu = {
  backend: 'vulkan',
  name: 'NVIDIA GeForce RTX 4090',
  info: { vendor: 'nvidia', architecture: 'lovelace', device: 'NVIDIA GeForce RTX 4090', description: 'NVIDIA GeForce RTX 4090' },
};
const LLVMPIPE: FakeGpu = {
  backend: 'vulkan',
  name: 'llvmpipe (LLVM 19.1.7, 256 bits)',
  info: { vendor: 'mesa', architecture: '', device: 'llvmpipe (LLVM 19.1.7, 256 bits)', description: 'Mesa 25.0.7' },
};

/**
 * A stand-in for dawn.node: `adapter=<name>` picks the first GPU whose name
 * contains it, an unmatched name is refused with dawn.node's list, and the
 * flags each Dawn instance was created with are recorded.
 */
function fakeDawn(gpus: FakeGpu[]): WebGpuPackage & { created: string[][] } {
  const created: string[][] = [];
  return {
    created,
    globals: { GPUBufferUsage: { STORAGE: 128 } },
    create(flags: string[]) {
      created.push(flags);
      return {
        async requestAdapter(_options?: AdapterRequest): Promise<DawnAdapter | null> {
          const wanted = flags.find((flag) => flag.startsWith('adapter='))?.slice('adapter='.length);
          if (gpus.length === 0) return null;
          const gpu = wanted === undefined ? gpus[0] : gpus.find((g) => g.name.includes(wanted));
          if (gpu === undefined) {
            throw new Error(
              `no adapter with name '${wanted}' found\nAvailable adapters:` +
                gpus.map((g) => `\n * backend: '${g.backend}', name: '${g.name}'`).join(''),
            );
          }
          return {
            info: gpu.info,
            features: new Set<string>(),
            limits: {},
            requestDevice: async () => ({ destroy: () => undefined, lost: new Promise(() => undefined) }),
          };
        },
      };
    },
  };
}

/** Stands in for tfjs's WebGPUBackend on a fake device: starts, computes nothing. */
class FakeWebGpuBackend extends tf.KernelBackend {
  constructor(
    readonly device: unknown,
    readonly adapterInfo: unknown,
  ) {
    super();
  }
  override dispose(): void {}
}

/** The fake Dawn plays a machine with a Vulkan driver; forcing Dawn's backend skips the check for libvulkan.so.1. */
const VULKAN = { DAWNNODE_BACKEND: 'vulkan' };

function loaderWith(dawn: WebGpuPackage | undefined) {
  return (name: string): unknown => {
    if (name === 'webgpu') {
      if (dawn === undefined) throw Object.assign(new Error("Cannot find module 'webgpu'"), { code: 'MODULE_NOT_FOUND' });
      return dawn;
    }
    if (name === '@tensorflow/tfjs-backend-webgpu') return { WebGPUBackend: FakeWebGpuBackend };
    return require(name);
  };
}

describe('selectBackend and webgpu', () => {
  afterEach(async () => {
    if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
    await tf.setBackend('wasm');
  });

  it('chooses webgpu under auto on a hardware GPU and names the adapter', async () => {
    const choice = await selectBackend({ load: loaderWith(fakeDawn([RTX])), env: VULKAN });
    expect(tf.getBackend()).toBe('webgpu');
    expect(choice).toMatchObject({ name: 'webgpu', packageName: '@tensorflow/tfjs-backend-webgpu', trainingKernels: ['AddN'] });
    expect(choice.adapter).toEqual({
      vendor: 'nvidia',
      architecture: 'lovelace',
      description: 'NVIDIA GeForce RTX 4090',
      device: 'NVIDIA GeForce RTX 4090',
      dawnBackend: 'default',
      featureLevel: 'core',
      software: false,
    });
    expect(choice.reason).toMatch(/^tfjs-node-gpu not installed .*; WebGPU on GPU 'NVIDIA GeForce RTX 4090' \(vendor 'nvidia', architecture 'lovelace'/);
    expect(JSON.parse(JSON.stringify(choice))).toEqual(choice);
    // The backend was built without leaving navigator.gpu behind (it would keep the process alive).
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined();
  });

  it('passes over a software GPU under auto, saying how to use it, and takes it when webgpu is named', async () => {
    const auto = await selectBackend({ load: loaderWith(fakeDawn([LLVMPIPE])), env: VULKAN });
    expect(auto.name).toBe('wasm');
    expect(auto.reason).toContain("webgpu passed over software GPU 'Mesa 25.0.7'");
    expect(auto.reason).toContain('use --backend webgpu to train on a software GPU');

    const named = await selectBackend({ requested: 'webgpu', load: loaderWith(fakeDawn([LLVMPIPE])), env: VULKAN });
    expect(named.name).toBe('webgpu');
    expect(named.adapter?.software).toBe(true);
    expect(named.reason).toMatch(/^requested 'webgpu'; WebGPU on software GPU .*correct but slow/);
  });

  it('gives each worker the adapter of its GANGLION_GPU index, selected by name', async () => {
    const second: FakeGpu = { ...RTX, name: 'AMD Radeon RX 7900 XTX', info: { ...RTX.info, vendor: 'amd', device: 'AMD Radeon RX 7900 XTX' } };
    const dawn = fakeDawn([RTX, second]);
    const choice = await selectBackend({ load: loaderWith(dawn), env: { ...VULKAN, GANGLION_GPU: '1' } });
    expect(choice.adapter).toMatchObject({ vendor: 'amd', index: 1 });
    expect(dawn.created.at(-1)).toEqual(['adapter=AMD Radeon RX 7900 XTX']);
  });

  it('refuses a GPU index that Dawn cannot reach: out of range, or a second GPU of the same name', async () => {
    await expect(selectBackend({ requested: 'webgpu', load: loaderWith(fakeDawn([RTX])), env: { ...VULKAN, GANGLION_GPU: '3' } })).rejects.toThrow(
      /lists 1 adapter\(s\): #0 'NVIDIA GeForce RTX 4090' \(vulkan\), so it has no GPU #3/,
    );
    const twins = selectBackend({ requested: 'webgpu', load: loaderWith(fakeDawn([RTX, RTX])), env: { ...VULKAN, GANGLION_GPU: '1' } });
    await expect(twins).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(
      selectBackend({ requested: 'webgpu', load: loaderWith(fakeDawn([RTX, RTX])), env: { ...VULKAN, GANGLION_GPU: '1' } }),
    ).rejects.toThrow(/would give GPU #0, not #1\. Give each worker only its own GPU at the driver level/);
    await expect(selectBackend({ requested: 'webgpu', gpu: -1 })).rejects.toThrow(/gpu must be one GPU index \(0, 1, \.\.\.\), got '-1'/);
  });

  it('refuses a named webgpu that is not installed or finds no adapter, naming what to install', async () => {
    await expect(selectBackend({ requested: 'webgpu', load: loaderWith(undefined), env: VULKAN })).rejects.toThrow(
      /Backend 'webgpu' was requested but cannot be used: webgpu \(dawn\.node\) not installed .*Install webgpu@0\.6\.2/,
    );
    await expect(selectBackend({ requested: 'webgpu', load: loaderWith(fakeDawn([])), env: VULKAN })).rejects.toThrow(
      /webgpu: Dawn's default backend \(core\) offers no adapter, .*\(compatibility\) offers no adapter/,
    );
  });
});

describe('listDawnAdapters', () => {
  it("reads dawn.node's adapter list, in Dawn's order", async () => {
    const dawn = fakeDawn([RTX, LLVMPIPE]);
    expect(await listDawnAdapters(dawn, ['backend=vulkan'], {})).toEqual([
      { backend: 'vulkan', name: 'NVIDIA GeForce RTX 4090' },
      { backend: 'vulkan', name: 'llvmpipe (LLVM 19.1.7, 256 bits)' },
    ]);
    expect(dawn.created[0][0]).toBe('backend=vulkan');
    expect(await listDawnAdapters(fakeDawn([]), [], {})).toEqual([]);
  });
});

describe('isSoftwareAdapter', () => {
  it('knows llvmpipe, lavapipe, SwiftShader and fallback adapters, and not real GPUs', () => {
    expect(isSoftwareAdapter(LLVMPIPE.info)).toBe(true);
    expect(isSoftwareAdapter({ description: 'OpenGL version 4.5 (Core Profile) Mesa 22.3.6', device: 'llvmpipe-llvm-15-0-6-256-bits-' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'google', device: 'SwiftShader Device (Subzero)' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'x', isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter(RTX.info)).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'apple', architecture: 'metal-3', description: 'Apple M2 Max' })).toBe(false);
  });
});

describe('hasVulkanLoader', () => {
  it('finds libvulkan.so.1 in LD_LIBRARY_PATH, and does not look off Linux', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-vulkan-'));
    fs.writeFileSync(path.join(folder, 'libvulkan.so.1'), '');
    expect(hasVulkanLoader({ LD_LIBRARY_PATH: `/nowhere:${folder}` }, 'linux')).toBe(true);
    expect(hasVulkanLoader({}, 'darwin')).toBe(true);
    fs.rmSync(folder, { recursive: true, force: true });
  });
});

describe('installWebGpuGlobals', () => {
  it('installs missing WebGPU constants and leaves existing names alone', () => {
    const target: Record<string, unknown> = { GPUMapMode: 'kept' };
    expect(installWebGpuGlobals({ GPUBufferUsage: { STORAGE: 128 }, GPUMapMode: { READ: 1 } }, target)).toEqual(['GPUBufferUsage']);
    expect(target['GPUBufferUsage']).toEqual({ STORAGE: 128 });
    expect(target['GPUMapMode']).toBe('kept');
  });
});
