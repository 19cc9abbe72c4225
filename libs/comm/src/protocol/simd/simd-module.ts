/** The WebAssembly API used here (the workspace's TypeScript libs declare none). */
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object) => { readonly exports: unknown };
}

/** The memory a module exports. */
export interface ModuleMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

const PAGE_BYTES = 64 * 1024;

/**
 * One instance of a WebAssembly SIMD module (the comm library's .wat files,
 * assembled by scripts/build-wasm.mjs) and the memory it works in, grown to
 * the largest request. Data goes in and out by copies into that memory.
 */
export class SimdModule<Exports extends { readonly memory: ModuleMemory }> {
  private constructor(readonly exports: Exports) {}

  /** An instance of the module in `base64`; undefined where WebAssembly or its SIMD is missing (the bytes do not validate). */
  static load<Exports extends { readonly memory: ModuleMemory }>(base64: string): SimdModule<Exports> | undefined {
    const bytes = Buffer.from(base64, 'base64');
    const api = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;
    return api?.validate(bytes) === true ? new SimdModule(new api.Instance(new api.Module(bytes)).exports as Exports) : undefined;
  }

  /** The module's memory, grown to at least `bytes`. Growing detaches the views of the buffer it replaces. */
  memory(bytes: number): ArrayBuffer {
    const { memory } = this.exports;
    if (memory.buffer.byteLength < bytes) {
      memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES));
    }
    return memory.buffer;
  }
}
