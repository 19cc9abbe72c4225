/**
 * The two waits around a stalled reduce, kept side by side because one
 * must fit in the other: each stalled rank probes its peers' ring
 * endpoints for at most stallProbeMs, then reports (REDUCE_STALLED); the
 * coordinator gathers a generation's reports for stallGatherMs after the
 * first one. The probe takes half the gathering window at most, so a
 * rank whose probe ran to its timeout still reports within the window.
 */

/** How long the coordinator gathers stall reports: half the reduce timeout, within 0.5-3 s. */
export function stallGatherMs(reduceTimeoutMs: number): number {
  return Math.min(3000, Math.max(500, reduceTimeoutMs / 2));
}

/** How long a stalled rank probes one peer's ring endpoint: a quarter of the reduce timeout, within 0.25-1.5 s. */
export function stallProbeMs(reduceTimeoutMs: number): number {
  return Math.min(1500, Math.max(250, reduceTimeoutMs / 4));
}
