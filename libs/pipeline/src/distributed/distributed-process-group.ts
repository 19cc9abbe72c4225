import type { ProcessGroup } from '../process-group';

/**
 * A ProcessGroup that is one generation of a data-parallel job: rank and
 * world size as the coordinator's latest WELCOME assigned them, and the
 * generation every collective call must name.
 */
export interface DistributedProcessGroup extends ProcessGroup {
  generation(): number;
}

export const DistributedProcessGroup = Symbol('DistributedProcessGroup');
