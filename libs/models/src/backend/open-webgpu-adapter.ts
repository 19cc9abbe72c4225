import { listDawnAdapters } from './dawn-adapter-list';
import { GpuAdapterSummary, isSoftwareAdapter } from './gpu-adapter-summary';
import type { AdapterRequest, DawnAdapter, DawnGpu, WebGpuPackage } from './webgpu-package';

/** One way of reaching a GPU through Dawn: which of its backends, at which WebGPU feature level. */
export interface WebGpuRoute {
  /** Dawn backend to force (`opengl`, `vulkan`, ...); undefined: the platform's (Vulkan, Metal, D3D12), or DAWNNODE_BACKEND. */
  dawnBackend?: string;
  /** `core` (full WebGPU) or `compatibility` (the subset Dawn's OpenGL backend offers). */
  featureLevel: 'core' | 'compatibility';
}

/** An adapter that was found, and how Ganglion describes it. */
export interface OpenedAdapter {
  /** The Dawn instance (navigator.gpu) the adapter came from. */
  gpu: DawnGpu;
  adapter: DawnAdapter;
  summary: GpuAdapterSummary;
}

/** An adapter, or one line saying why this route has none. */
export type AdapterOutcome = { ok: true; opened: OpenedAdapter } | { ok: false; failure: string };

/**
 * Asks Dawn for an adapter along one route. With `gpuIndex`, the adapter at
 * that position of Dawn's list for the route (listDawnAdapters), selected
 * with dawn.node's `adapter=<name>` flag; that flag matches names, so of two
 * identical GPUs only the first can be chosen, and asking for the second is
 * refused here with what to do instead.
 *
 * Dawn's OpenGL backend needs an EGL platform; with no display (a server,
 * CI) Mesa only initialises with EGL_PLATFORM=surfaceless, which is set for
 * this process when that route is tried and no display or EGL_PLATFORM is set.
 */
export async function openWebGpuAdapter(
  pkg: WebGpuPackage,
  route: WebGpuRoute,
  gpuIndex?: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AdapterOutcome> {
  const dawnBackend = route.dawnBackend ?? 'default';
  const where = `Dawn's ${dawnBackend} backend (${route.featureLevel})`;
  const flags = route.dawnBackend === undefined ? [] : [`backend=${route.dawnBackend}`];
  if (route.dawnBackend?.startsWith('opengl') && env['EGL_PLATFORM'] === undefined && !env['DISPLAY'] && !env['WAYLAND_DISPLAY']) {
    env['EGL_PLATFORM'] = 'surfaceless';
  }
  const request: AdapterRequest = { powerPreference: 'high-performance', featureLevel: route.featureLevel };
  try {
    if (gpuIndex !== undefined) {
      const listed = await listDawnAdapters(pkg, flags, request);
      const names = listed.map((entry, i) => `#${i} '${entry.name}' (${entry.backend})`).join(', ');
      if (gpuIndex >= listed.length) {
        return { ok: false, failure: `${where} lists ${listed.length} adapter(s)${listed.length > 0 ? `: ${names}` : ''}, so it has no GPU #${gpuIndex}` };
      }
      const name = listed[gpuIndex].name;
      const first = listed.findIndex((entry) => entry.name.includes(name));
      if (first !== gpuIndex) {
        return {
          ok: false,
          failure:
            `${where} lists ${names}; dawn.node selects an adapter by name and would give GPU #${first}, not #${gpuIndex}. ` +
            'Give each worker only its own GPU at the driver level (a container or a Slurm task per GPU), or use tfjs-node-gpu on NVIDIA',
        };
      }
      flags.push(`adapter=${name}`);
    }
    const gpu = pkg.create(flags);
    const adapter = await gpu.requestAdapter(request);
    if (adapter === null) return { ok: false, failure: `${where} offers no adapter` };
    const info = adapter.info;
    return {
      ok: true,
      opened: {
        gpu,
        adapter,
        summary: {
          vendor: info.vendor ?? '',
          architecture: info.architecture ?? '',
          description: info.description ?? '',
          device: info.device ?? '',
          dawnBackend,
          featureLevel: route.featureLevel,
          ...(gpuIndex === undefined ? {} : { index: gpuIndex }),
          software: isSoftwareAdapter(info),
        },
      },
    };
  } catch (error) {
    const message = typeof (error as { message?: unknown })?.message === 'string' ? (error as Error).message : String(error);
    return { ok: false, failure: `${where} failed (${message.split('\n')[0]})` };
  }
}
