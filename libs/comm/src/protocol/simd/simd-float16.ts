import { decodeFloat16, encodeFloat16, type Float16Codec } from '../float16';
import { FLOAT16_CODEC_WASM } from './float16-codec-wasm';
import { type ModuleMemory, SimdModule } from './simd-module';

interface CodecExports {
  readonly memory: ModuleMemory;
  readonly encode: (source: number, target: number, count: number) => void;
  readonly decode: (source: number, target: number, count: number) => void;
}

/** Below this many values the scalar loops are as quick as the copies in and out of the module. */
const SCALAR_BELOW = 256;

/** The module converts 4 values a step: it gets the largest multiple of 4, the scalar functions the rest. */
function vectorPart(count: number): number {
  return count - (count % 4);
}

/** `bytes` rounded up to a 16-byte boundary, where the module's second array starts. */
function aligned(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/**
 * encodeFloat16 and decodeFloat16 in WebAssembly SIMD (float16-codec.wat),
 * 4 values at a time: the same bits, faster by the factors below, the copies
 * in and out of the module's memory included. Most of what the ring's fp16
 * compression costs beyond f32 is these conversions.
 *
 * One instance per reducer: it owns its module memory, grown to the largest
 * array it has converted. Where WebAssembly SIMD is missing it converts with
 * the scalar functions.
 */
export class SimdFloat16 implements Float16Codec {
  private readonly module: SimdModule<CodecExports> | undefined;

  constructor(wasm: string = FLOAT16_CODEC_WASM) {
    this.module = SimdModule.load<CodecExports>(wasm);
  }

  /** Whether conversions run in WebAssembly SIMD (else in JavaScript). */
  get simd(): boolean {
    return this.module !== undefined;
  }

  /** As encodeFloat16. */
  encode(source: Float32Array, target: Uint16Array = new Uint16Array(source.length)): Uint16Array {
    const count = source.length;
    if (this.module === undefined || count < SCALAR_BELOW || target.length !== count) {
      return encodeFloat16(source, target); // small arrays, no SIMD, and the length error
    }
    const vectors = vectorPart(count);
    const targetOffset = aligned(vectors * 4);
    const memory = this.module.memory(targetOffset + vectors * 2);
    new Float32Array(memory, 0, vectors).set(source.subarray(0, vectors));
    this.module.exports.encode(0, targetOffset, vectors);
    target.set(new Uint16Array(memory, targetOffset, vectors));
    encodeFloat16(source.subarray(vectors), target.subarray(vectors));
    return target;
  }

  /** As decodeFloat16. */
  decode(source: Uint16Array, target: Float32Array = new Float32Array(source.length)): Float32Array {
    const count = source.length;
    if (this.module === undefined || count < SCALAR_BELOW || target.length !== count) {
      return decodeFloat16(source, target);
    }
    const vectors = vectorPart(count);
    const targetOffset = aligned(vectors * 2);
    const memory = this.module.memory(targetOffset + vectors * 4);
    new Uint16Array(memory, 0, vectors).set(source.subarray(0, vectors));
    this.module.exports.decode(0, targetOffset, vectors);
    target.set(new Float32Array(memory, targetOffset, vectors));
    decodeFloat16(source.subarray(vectors), target.subarray(vectors));
    return target;
  }
}
