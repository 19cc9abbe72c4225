import type { Clock, Logger, PipelineSettings } from '@ganglion/pipeline';
import type { GroupAdmission } from '../admission/group-admission';
import type { CoordinatorEvents } from '../dashboard/coordinator-events';
import type { CoordinatorContext } from './coordinator-context';
import type { CoordinatorInbox } from './coordinator-inbox';
import type { CoordinatorLink } from './coordinator-link';
import type { CoordinatorMembers } from './coordinator-members';
import type { JobState } from './job-state';
import type { RunProducts } from './run-products';

/** A stage of the Coordinator (GenerationForming, StepLoop): the shared parts of its CoordinatorContext, by name. */
export abstract class CoordinatorStage {
  protected readonly link: CoordinatorLink;
  protected readonly members: CoordinatorMembers;
  protected readonly job: JobState;
  protected readonly admission: GroupAdmission;
  protected readonly inbox: CoordinatorInbox;
  protected readonly products: RunProducts;
  protected readonly settings: PipelineSettings;
  protected readonly logger: Logger;
  protected readonly clock: Clock;
  protected readonly events: CoordinatorEvents | undefined;

  protected constructor(context: CoordinatorContext) {
    this.link = context.link;
    this.members = context.members;
    this.job = context.job;
    this.admission = context.admission;
    this.inbox = context.inbox;
    this.products = context.products;
    this.settings = context.settings;
    this.logger = context.logger;
    this.clock = context.clock;
    this.events = context.events;
  }
}
