import { type Envelope, type Incoming, type PeerId, type StarAggregator, isEnvelopeOf } from '@ganglion/comm';
import type { CoordinatorEvents } from '../dashboard/coordinator-events';
import type { Logger } from '@ganglion/pipeline';
import { WorkerFailedError } from './coordinator-errors';
import { type CoordinatorLink, GONE_REASON } from './coordinator-link';
import type { CoordinatorMembers, Member } from './coordinator-members';
import type { GroupAdmission } from '../admission/group-admission';
import type { JobState } from './job-state';

/** A well-formed message from an admitted worker. */
export interface MemberMessage {
  readonly member: Member;
  readonly envelope: Envelope;
}

/**
 * The door every incoming message passes: one that does not decode gets
 * an ERROR, a HELLO goes to admission, a message from a peer that is not
 * a worker of this job is refused (a dropped worker is told to stop), and
 * GRADS reach the StarAggregator only from admitted workers. What is left
 * is a member's message, for the phase of the job at hand.
 */
export class CoordinatorInbox {
  constructor(
    private readonly link: CoordinatorLink,
    private readonly members: CoordinatorMembers,
    private readonly job: JobState,
    private readonly admission: GroupAdmission,
    private readonly aggregator: StarAggregator,
    private readonly logger: Logger,
    private readonly events: CoordinatorEvents | undefined,
  ) {}

  /** The member's message `incoming` is, or undefined when it was handled here (refused, or a HELLO). */
  async fromMember(incoming: Incoming): Promise<MemberMessage | undefined> {
    if (!incoming.ok) {
      await this.refuseUndecodable(incoming);
      return undefined;
    }
    const { envelope, peer } = incoming;
    if (isEnvelopeOf(envelope, 'HELLO')) {
      await this.admission.onHello(peer, envelope.header);
      return undefined;
    }
    const member = this.members.memberOf(peer);
    if (member === undefined) {
      await this.refuseStranger(peer, envelope.header.type);
      return undefined;
    }
    this.events?.messageFrom(member.hello.workerId);
    return { member, envelope };
  }

  /** The GRADS route: gradients from a member go to the aggregator; a refusal or failure there fails the job. */
  onGrads(peer: PeerId, envelope: Envelope): void {
    if (!isEnvelopeOf(envelope, 'GRADS')) return;
    // Only the peer admitted for a rank may send its gradients: a stranger's GRADS never reach the aggregator (nor fail the job).
    if (this.members.memberOf(peer) === undefined) {
      void this.refuseStranger(peer, `GRADS claiming rank ${envelope.header.rank}`);
      return;
    }
    void this.aggregator.accept(peer, envelope).then(
      (result) => {
        if (result.status === 'refused' && result.error.code !== 'stale-generation') {
          this.link.fail(new WorkerFailedError(`Gradients from ${JSON.stringify(peer)} were refused: ${result.error.message}`));
        } else if (result.status === 'reduced') {
          for (const { peer: gone } of result.failed) this.members.reportGone(gone, GONE_REASON);
        }
      },
      (error: unknown) => {
        this.link.fail(new WorkerFailedError(`Averaging gradients failed: ${(error as Error).message}`));
      },
    );
  }

  /** A well-formed message from a peer that is not a worker of this job: logged and dropped; a dropped worker is told to stop. */
  private async refuseStranger(peer: PeerId, what: string): Promise<void> {
    if (this.members.wasDropped(peer)) {
      this.logger.warn({ peer, refused: what }, `refused ${what} from ${JSON.stringify(peer)}: it was dropped from the job; told it to stop`);
      await this.link.trySend(peer, {
        type: 'ERROR',
        generation: this.job.generation,
        step: 0,
        code: 'dropped',
        reason: `This worker was dropped from the job (it stopped answering or its connection failed) and the others went on without it; restart it to rejoin.`,
        fatal: true,
      });
      return;
    }
    this.logger.warn({ peer, refused: what }, `refused ${what} from ${JSON.stringify(peer)}: it is not a worker of this job; dropped`);
  }

  private async refuseUndecodable(incoming: Incoming & { ok: false }): Promise<void> {
    const { error, peer } = incoming;
    this.logger.warn({ peer, code: error.code }, `refused a message from ${JSON.stringify(peer)}: ${error.message}`);
    await this.link.trySend(peer, { type: 'ERROR', generation: this.job.generation, step: 0, code: error.code, reason: error.message, fatal: true });
    if (this.job.training && this.members.memberOf(peer) !== undefined) {
      throw new WorkerFailedError(`Worker ${JSON.stringify(peer)} sent a message the coordinator cannot read: ${error.message}`);
    }
  }
}
