import { inject, injectable } from 'inversify';
import { SamplerFactory, type ImageSet } from '@ganglion/data';
import type { GenerativeModel } from '@ganglion/models';
import { checkpointFiles } from '../checkpoints/checkpoint-writer';
import type { CheckpointRequest, CheckpointStore } from '../checkpoints/checkpoint-store';
import type { TrainerState } from '../checkpoints/trainer-state';
import { PipelineSettings } from '../pipeline-definition';
import { TrainingImages } from '../trainer';
import type { StatePosition } from '../job-messages/state-message';
import { stateMessage } from '../job-messages/state-message';
import { WorkerSession } from './worker-session';

/**
 * A data-parallel worker's CheckpointStore: the Trainer calls it on rank 0
 * every `checkpointEvery` steps and at the end, and it sends the whole
 * checkpoint (the same file set `ganglion train` writes) to the
 * coordinator as STATE; the coordinator writes it. sendState() also
 * serves a membership change, where rank 0's state is copied to every
 * other rank.
 */
@injectable()
export class RemoteCheckpointStore implements CheckpointStore {
  constructor(
    @inject(WorkerSession) private readonly session: WorkerSession,
    @inject(PipelineSettings) private readonly settings: PipelineSettings,
    @inject(SamplerFactory) private readonly samplerFactory: SamplerFactory,
    @inject(TrainingImages) private readonly images: ImageSet,
  ) {}

  async save(model: GenerativeModel, request: CheckpointRequest): Promise<string> {
    await this.sendState(model, { step: request.step, phase: 0 });
    return `STATE of step ${request.step} sent to the coordinator`;
  }

  /** Sends this worker's whole training state at `position` to the coordinator. */
  async sendState(model: GenerativeModel, position: StatePosition): Promise<void> {
    const { welcome } = this.session;
    const { seed, batchSize, name } = this.settings;
    const sampler = this.samplerFactory({ datasetSize: this.images.count, globalBatchSize: batchSize, seed });
    const { epoch, batchInEpoch } = sampler.position(position.step);
    const state: TrainerState = {
      format: 'ganglion-trainer-state',
      version: 1,
      step: position.step,
      epoch,
      batchInEpoch,
      seed,
      globalBatchSize: batchSize,
      pipeline: { name, file: welcome.pipeline.path, hash: welcome.pipeline.hash },
      model: model.name,
      networks: Object.keys(model.networks),
      generation: this.session.generation(),
      worldSize: this.session.worldSize(),
      savedAt: new Date().toISOString(),
    };
    const files = await checkpointFiles(model, state);
    const { init, payload } = stateMessage(files, { generation: this.session.generation(), rank: this.session.rank(), ...position });
    await this.session.send(init, payload);
  }
}
