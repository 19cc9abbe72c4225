import type { ProcessGroup } from '../process-group';

/**
 * A ProcessGroup that is one generation of a data-parallel job: rank and
 * world size as the coordinator's latest WELCOME assigned them, and the
 * generation every collective call must name.
 */
export interface DistributedProcessGroup extends ProcessGroup {
  generation(): number;
  /** Aborted when this generation ends (a newer WELCOME, the coordinator gone): a reduction in flight must be abandoned. */
  reduceSignal?(): AbortSignal;
}

export const DistributedProcessGroup = Symbol('DistributedProcessGroup');
