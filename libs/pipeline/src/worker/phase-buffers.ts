/** The two arrays of one phase's allreduce: the flattened local gradients, and where their mean goes. */
export interface PhaseArrays {
  readonly values: Float32Array;
  readonly mean: Float32Array;
}

/**
 * Reuses each phase's gradient arrays from step to step, as DDP reduces
 * its buckets in place: fresh memory costs a page fault per 4 KiB on its
 * first write (on this VM, under load, up to 250 ms per 8 MiB) and adds
 * to V8's external-memory pressure, which starts garbage collections.
 *
 * Safe because an allreduce that resolved no longer reads its input (the
 * ring's completion depends on every chunk sent having arrived, and the
 * star's on the coordinator having all of them), and the Trainer has
 * applied and disposed a phase's gradient tensors before that phase
 * reduces again. After a failed allreduce a frame of `values` may still sit
 * in a socket's queue: forget() the phase and the next call gets new arrays.
 */
export class PhaseBuffers {
  private readonly byPhase = new Map<number, PhaseArrays>();

  /** The phase's arrays for `length` values (new ones when the length changed). */
  take(phase: number, length: number): PhaseArrays {
    const held = this.byPhase.get(phase);
    if (held !== undefined && held.values.length === length) return held;
    const arrays = { values: new Float32Array(length), mean: new Float32Array(length) };
    this.byPhase.set(phase, arrays);
    return arrays;
  }

  /** Lets go of the phase's arrays (after a failed allreduce). */
  forget(phase: number): void {
    this.byPhase.delete(phase);
  }
}
