import type { Clock, Logger, PipelineSettings } from '@ganglion/pipeline';
import type { GroupAdmission } from '../admission/group-admission';
import type { CoordinatorEvents } from '../dashboard/coordinator-events';
import type { CoordinatorInbox } from './coordinator-inbox';
import type { CoordinatorLink } from './coordinator-link';
import type { CoordinatorMembers } from './coordinator-members';
import type { JobState } from './job-state';
import type { RunProducts } from './run-products';

/**
 * The parts of one Coordinator that its stages (GenerationForming,
 * StepLoop) share: built once by the Coordinator and handed to each, in
 * place of a dozen positional arguments.
 */
export interface CoordinatorContext {
  /** Receive, send, HEARTBEAT, SHUTDOWN. */
  readonly link: CoordinatorLink;
  /** Who is in the job, ranked or joining. */
  readonly members: CoordinatorMembers;
  /** Generation and training flag; each field has one writer (see JobState). */
  readonly job: JobState;
  /** Who may join (HELLO) and who is dropped. */
  readonly admission: GroupAdmission;
  /** Every incoming message, sorted. */
  readonly inbox: CoordinatorInbox;
  /** What rank 0 sends that the run keeps (SAMPLES, STATE, WEIGHTS). */
  readonly products: RunProducts;
  readonly settings: PipelineSettings;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The dashboard's feed, when one is open. */
  readonly events: CoordinatorEvents | undefined;
}
