import type { AdapterRequest, WebGpuPackage } from './webgpu-package';

/** One adapter as Dawn lists it: its backend and its driver-reported name. */
export interface DawnAdapterEntry {
  /** `vulkan`, `opengl`, `metal`, `d3d12`, ... */
  backend: string;
  /** The raw device name (`NVIDIA GeForce RTX 4090`, `llvmpipe (LLVM 15.0.6, 256 bits)`). */
  name: string;
}

/** A name no adapter has: asking for it makes dawn.node list the adapters it found. */
const NO_SUCH_ADAPTER = 'ganglion-lists-adapters-\u0001';
const LISTED = /^ \* backend: '([^']*)', name: '(.*)'$/;

/**
 * The adapters one Dawn backend enumerates, in Dawn's order: the order the
 * GPU index (GANGLION_GPU, `--gpus`) refers to.
 *
 * WebGPU has no call that lists adapters, and dawn.node 0.6.2 none either.
 * What it has: `create(['adapter=<name>'])` picks the first enumerated
 * adapter whose device name contains `<name>`, and when none matches the
 * request is rejected with a message listing every adapter Dawn found
 * (` * backend: 'vulkan', name: 'NVIDIA ...'`, one per line; see
 * src/dawn/node/binding/GPU.cpp, GPU::requestAdapter). This asks for a name
 * no adapter has and reads that list. An empty list resolves to [].
 */
export async function listDawnAdapters(
  pkg: WebGpuPackage,
  flags: readonly string[],
  request: AdapterRequest,
): Promise<DawnAdapterEntry[]> {
  let message: string;
  try {
    const adapter = await pkg.create([...flags, `adapter=${NO_SUCH_ADAPTER}`]).requestAdapter(request);
    if (adapter === null) return [];
    throw new Error(`dawn.node returned an adapter for the name '${NO_SUCH_ADAPTER}'; it no longer lists adapters this way`);
  } catch (error) {
    message = typeof (error as { message?: unknown })?.message === 'string' ? (error as Error).message : String(error);
  }
  const entries = message
    .split('\n')
    .map((line) => LISTED.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ backend: match[1], name: match[2] }));
  if (entries.length === 0) throw new Error(`Could not list Dawn's adapters: ${message.split('\n')[0]}`);
  return entries;
}
