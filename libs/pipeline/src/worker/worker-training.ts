import { ReduceTimeoutError, type WelcomeHeader } from '@ganglion/comm';
import type { GenerativeModel } from '@ganglion/models';
import { restoreCheckpoint, verifyCheckpointFiles } from '../checkpoints/checkpoint-reader';
import { readModelWeights } from '../job-messages/named-weights';
import { stateFiles, type StatePosition } from '../job-messages/state-message';
import type { Logger } from '../logger';
import type { Trainer } from '../trainer';
import type { RemoteCheckpointStore } from './remote-checkpoint-store';
import type { StepProgress } from './step-progress';
import type { StepReporter } from './step-reporter';
import { CoordinatorLostError, type WorkerSession } from './worker-session';

/** The parts of a worker that train it through the job's generations (built by runDistributedWorker). */
export interface WorkerTrainingContext {
  readonly session: WorkerSession;
  readonly model: GenerativeModel;
  readonly trainer: Trainer;
  /** Where the interrupted step stands, for a STATE this worker sends. */
  readonly progress: StepProgress;
  /** Sends this worker's state (STATE) to the coordinator. */
  readonly states: RemoteCheckpointStore;
  /** This rank's step reports: rank 0 flushes the ones the coordinator may lack before its final weights. */
  readonly reporter: Pick<StepReporter, 'flush'>;
  readonly logger: Logger;
  /** The coordinator's endpoint, for messages. */
  readonly endpoint: string;
  /** When the coordinator is lost, wait this long for a restarted one (WorkerSession.rejoin); undefined: exit. */
  readonly waitForCoordinatorMs?: number;
}

/**
 * A worker's training, from its first WELCOME to the final weights
 * (steps 5-7 of runDistributedWorker):
 * 5. State (WELCOME.syncState): send this worker's state (STATE) or load
 *    the one the coordinator sends; tell the coordinator it is ready.
 * 6. Trainer.run(start step, phase). A newer WELCOME (a worker left or
 *    joined, or a stalled reduce reported) aborts the step in flight:
 *    adopt it and go back to 5. The coordinator lost: exit with an error,
 *    or rejoin a restarted one (waitForCoordinatorMs), then 5.
 * 7. Rank 0 sends the step reports the coordinator may lack (when the
 *    last steps were finished in a generation that ended), then the final
 *    weights (WEIGHTS).
 */
export class WorkerTraining {
  constructor(private readonly context: WorkerTrainingContext) {}

  /** Trains from `welcome` to the end (or a SHUTDOWN); returns the steps this worker trained. `lastStep`: the run's steps. */
  async run(welcome: WelcomeHeader, lastStep: number): Promise<number> {
    const { session, trainer, progress, logger } = this.context;
    let steps = 0;
    for (let current = welcome; ; ) {
      try {
        const position = await this.syncState(current);
        if (position === undefined) break; // SHUTDOWN while getting ready.
        progress.resumeAt(position);
        await session.ready();
        const summary = await trainer.run(position.step, position.phase);
        steps += summary.steps;
        break;
      } catch (error) {
        if (session.stoppedBecause !== undefined) throw error;
        if (!session.membershipChanged && error instanceof ReduceTimeoutError && error.stall !== undefined && session.coordinatorLost === undefined) {
          // A stuck reduce is a membership event: the coordinator drops the peer that did not deliver and forms a new generation.
          await session.reportStall(error.stall);
          if (session.stoppedBecause !== undefined) break;
        }
        if (session.membershipChanged) {
          current = await session.adoptPending();
          continue;
        }
        const lost = session.coordinatorLost ?? (error instanceof CoordinatorLostError ? error : undefined);
        if (lost === undefined) throw error;
        logger.error({ coordinator: this.context.endpoint, error: lost.message }, `coordinator lost: ${lost.message}`);
        if (this.context.waitForCoordinatorMs === undefined) {
          throw new CoordinatorLostError(`${lost.message} Exiting; start workers with --wait-for-coordinator to wait for a restarted coordinator (\`ganglion coordinator ... --resume\`).`);
        }
        current = await session.rejoin(this.context.waitForCoordinatorMs);
      }
    }
    if (session.stoppedBecause === undefined && session.rank() === 0) {
      await this.context.reporter.flush();
      await this.sendWeights(lastStep);
    }
    return steps;
  }

  /**
   * Brings this worker to the state the WELCOME asks for and returns where
   * it continues: 'send' (rank 0 after a membership change) sends its own
   * state to the coordinator; 'receive' loads the STATE the coordinator
   * sends (checked against its manifest); neither: a fresh job at the
   * WELCOME's step. Undefined on SHUTDOWN.
   */
  private async syncState(welcome: WelcomeHeader): Promise<StatePosition | undefined> {
    const { session, model, states, progress, logger } = this.context;
    if (welcome.syncState === 'send') {
      const position = progress.position(model.phases.length);
      await states.sendState(model, position);
      logger.info({ generation: welcome.generation, ...position }, `sent this worker's state (step ${position.step}, phase ${position.phase}) to the coordinator for the other ranks`);
      return position;
    }
    if (welcome.syncState === 'receive') {
      const envelope = await session.receiveState();
      if (envelope === undefined) return undefined;
      const checkpoint = verifyCheckpointFiles(`STATE from the coordinator (generation ${welcome.generation})`, stateFiles(envelope));
      await restoreCheckpoint(model, checkpoint);
      const { step, phase } = envelope.header;
      logger.info({ generation: welcome.generation, step, phase }, `loaded the job's state: step ${step}${phase > 0 ? `, ${phase} phase${phase === 1 ? '' : 's'} of it already applied` : ''}`);
      return { step, phase };
    }
    return { step: welcome.step, phase: 0 };
  }

  /** Rank 0, at the end: the final weights, for the coordinator's final-weights.json. */
  private async sendWeights(lastStep: number): Promise<void> {
    const { session, model } = this.context;
    const weights = await readModelWeights(model);
    await session.send(
      {
        type: 'WEIGHTS',
        generation: session.generation(),
        step: lastStep,
        rank: 0,
        names: weights.map((w) => w.name),
        shapes: weights.map((w) => [...w.shape]),
      },
      { values: weights.map((w) => w.values) },
    );
  }
}
