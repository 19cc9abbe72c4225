import type { CoordinatorSocket, HelloHeader, PeerId } from '@ganglion/comm';
import type { CoordinatorEvents } from '../dashboard/coordinator-events';
import type { Logger, PipelineSettings } from '@ganglion/pipeline';
import type { CoordinatorLink } from '../job/coordinator-link';
import { type CoordinatorMembers, describeWorker, type Member } from '../job/coordinator-members';
import { curveKeyRefusal } from './curve-admission';
import type { JobState } from '../job/job-state';

export interface GroupAdmissionOptions {
  /** The pipeline every worker must train: its file, the file's sha256 and the resolved settings. */
  readonly pipeline: { readonly file: string; readonly hash: string; readonly settings: PipelineSettings };
  /** Workers admitted before training starts. */
  readonly workers: number;
  /** Most workers at once while training. */
  readonly maxWorkers: number;
}

/**
 * Who may be in the job (HELLO) and who leaves it (a membership change):
 * checks each HELLO (pipeline hash, ring endpoint, duplicate worker,
 * CURVE key, the same compute backend as the others, a free place) and
 * admits or refuses it with an ERROR, and
 * drops the workers that failed or are gone, logging each.
 */
export class GroupAdmission {
  constructor(
    private readonly socket: Pick<CoordinatorSocket, 'curve' | 'isAuthenticatedKey'>,
    private readonly link: CoordinatorLink,
    private readonly members: CoordinatorMembers,
    private readonly job: JobState,
    private readonly options: GroupAdmissionOptions,
    private readonly logger: Logger,
    private readonly events: CoordinatorEvents | undefined,
  ) {}

  /** Admits the worker a HELLO introduces, acknowledges a repeated HELLO, or refuses it with a fatal ERROR. */
  async onHello(peer: PeerId, hello: HelloHeader): Promise<void> {
    const { pipeline, workers, maxWorkers } = this.options;
    const { training } = this.job;
    const who = describeWorker(hello);
    const refuse = async (code: string, reason: string): Promise<void> => {
      this.logger.warn({ worker: hello.workerId, host: hello.host, code }, `refused worker ${who}: ${reason}`);
      await this.link.trySend(peer, { type: 'ERROR', generation: this.job.generation, step: 0, code, reason, fatal: true });
    };
    if (hello.pipelineHash !== null && hello.pipelineHash !== pipeline.hash) {
      return refuse(
        'pipeline-mismatch',
        `Your pipeline file differs from the coordinator's ${pipeline.file} (sha256 ${hello.pipelineHash.slice(0, 12)} vs ${pipeline.hash.slice(0, 12)}). ` +
          'The files differ, or the training-relevant --set flags do: deploy the same code on every machine and give every process the same --set flags.',
      );
    }
    if (pipeline.settings.distributed.reducer === 'ring' && hello.ringEndpoint === null) {
      return refuse('no-ring-endpoint', 'This job reduces over a ring: the worker must bind a ring socket and announce it in HELLO (ringEndpoint).');
    }
    const existing = this.members.memberOf(peer);
    if (existing !== undefined) {
      if (existing.hello.pid === hello.pid && existing.hello.host === hello.host) {
        // The same process again (its HELLO was queued while it reconnected): acknowledge only.
        await this.link.acknowledge(peer);
        return;
      }
      return refuse('duplicate-worker', `A worker with id "${hello.workerId}" already joined; give each worker a distinct --worker-id.`);
    }
    const keyRefusal = curveKeyRefusal(hello, this.socket);
    if (keyRefusal !== undefined) return refuse(keyRefusal.code, keyRefusal.reason);
    const other = this.members.all.find((member) => member.hello.backend !== hello.backend);
    if (other !== undefined) {
      // Every rank applies the same averaged gradients, but each computes the update with its own
      // backend's float32 kernels: replicas on different backends drift apart by rounding (gradients
      // agree to ~1e-5 relative, webgpu vs cpu), and the weight checksum would stop the job later.
      return refuse(
        'backend-mismatch',
        `This job's workers compute on '${other.hello.backend}' (${describeWorker(other.hello)}) and this one on '${hello.backend}'. ` +
          'A job runs one backend so that replicas stay bit-identical: start every worker with the same --backend.',
      );
    }
    const limit = training ? maxWorkers : workers;
    if (this.members.count >= limit) {
      return refuse('job-full', `The job already has its ${limit} worker${limit === 1 ? '' : 's'}${training ? ' and is training' : ''}; start a new job or raise ${training ? '--max-workers' : '--workers'}.`);
    }
    this.job.noteHelloGeneration(hello.generation);
    this.members.admit(peer, hello);
    this.events?.memberJoined(hello);
    await this.link.acknowledge(peer);
    this.logger.info(
      { worker: hello.workerId, host: hello.host, pid: hello.pid, backend: hello.backend, devices: hello.devices },
      `worker ${who} joined with backend ${hello.backend}${hello.devices.length > 0 ? ` on ${hello.devices.join(',')}` : ''} ` +
        (this.job.training ? `mid-run; it gets a rank when the current grant of steps ends (${this.members.count} workers)` : `(${this.members.count}/${workers})`),
    );
  }

  /** Drops the members reported gone, logging each. True when any was dropped. */
  dropGone(): boolean {
    const gone = this.members.takeGone();
    for (const { member, reason } of gone) this.drop(member, reason);
    return gone.length > 0;
  }

  /** Removes a member or joiner from the job (its later messages are refused) and logs who left and why. */
  drop(member: Member, reason: string): void {
    const rank = this.members.remove(member);
    this.events?.memberLost(member.hello.workerId, reason);
    const { hello } = member;
    const { generation } = this.job;
    const where = rank >= 0 ? `rank ${rank} of generation ${generation}` : 'not yet ranked';
    const remaining = this.members.count;
    this.logger.error(
      { worker: hello.workerId, host: hello.host, pid: hello.pid, rank, generation, reason },
      this.job.training
        ? `worker ${hello.workerId} (${where}, on ${hello.host}, pid ${hello.pid}) left the job: ${reason}. ${remaining} worker${remaining === 1 ? '' : 's'} remain${remaining === 1 ? 's' : ''}.`
        : `worker ${hello.workerId} (${hello.host}, pid ${hello.pid}) dropped out before training: ${reason}. Waiting for another worker (${remaining}/${this.options.workers}).`,
    );
  }
}
