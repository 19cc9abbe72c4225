import { type CoordinatorSocket, StarAggregator, stallGatherMs } from '@ganglion/comm';
import { type Clock, type Logger, meanLosses, median, type PipelineSettings, type ProgressReporter, type StatePosition, type VerifiedCheckpoint } from '@ganglion/pipeline';
import type { CoordinatorEvents } from '../dashboard/coordinator-events';
import type { CoordinatorCheckpoints } from '../outputs/coordinator-checkpoints';
import type { CoordinatorContext } from './coordinator-context';
import { CoordinatorInterruptedError } from './coordinator-errors';
import { CoordinatorInbox } from './coordinator-inbox';
import { CoordinatorLink } from './coordinator-link';
import { CoordinatorMembers } from './coordinator-members';
import type { CoordinatorOutputs } from '../outputs/coordinator-outputs';
import { GenerationForming, type StateSource } from './generation-forming';
import { GroupAdmission } from '../admission/group-admission';
import { JobState } from './job-state';
import { reduceProgressLines } from './reduce-progress-lines';
import { RunProducts } from './run-products';
import { StallReports } from './stall-reports';
import { MembershipChange, StepLoop } from './step-loop';

export interface CoordinatorOptions {
  /** The pipeline every worker must train: its file, the file's sha256 and the resolved settings (overrides applied). */
  readonly pipeline: { readonly file: string; readonly hash: string; readonly settings: PipelineSettings };
  /** Number of workers the job waits for before the first step. */
  readonly workers: number;
  /** Fail when fewer than `workers` joined, or they did not all get ready, within this many ms. */
  readonly joinTimeoutMs: number;
  /** Fewest workers to train with after one was lost; below it the coordinator waits `rejoinTimeoutMs` for more. Default `workers`. */
  readonly minWorkers?: number;
  /** Most workers at once; a worker joining a running job beyond it is refused ('job-full'). Default `workers`. */
  readonly maxWorkers?: number;
  /** Below `minWorkers`, wait this long for workers to (re)join before failing. Default 60000. */
  readonly rejoinTimeoutMs?: number;
  /** First step to train (without `resume`). Default 0. */
  readonly startStep?: number;
  /** Continue from this checkpoint: every worker gets its STATE after WELCOME and training starts at its step. */
  readonly resume?: VerifiedCheckpoint;
  /** Writes the checkpoints rank 0 sends (every `checkpointEvery` steps and at the end). Without it none are written. */
  readonly checkpoints?: CoordinatorCheckpoints;
  /** HEARTBEAT to every worker this often (a send to a gone worker fails: that is how deaths are noticed). Default 2000. */
  readonly heartbeatIntervalMs?: number;
  /** After the last step, wait this long for rank 0's final weights. Default 300000. */
  readonly finishTimeoutMs?: number;
  /** Stops the run: every worker gets SHUTDOWN and run() rejects with the signal's reason (or CoordinatorInterruptedError). */
  readonly signal?: AbortSignal;
  /**
   * Shows progress (e.g. a BarProgressReporter on a terminal). Default:
   * a `step n/steps ...` log line every `logEvery` steps
   * (reduceProgressLines).
   */
  readonly progress?: ProgressReporter;
  /** Told of joins, losses, generations, messages, steps and sample grids as they happen (the live dashboard). */
  readonly events?: CoordinatorEvents;
}

/** What a finished run reports. */
export interface CoordinatorResult {
  readonly steps: number;
  readonly worldSize: number;
  readonly reducer: string;
  /** Mean losses over the global batch at the first step and over the last `logEvery` steps. */
  readonly firstLosses: Readonly<Record<string, number>>;
  readonly finalLosses: Readonly<Record<string, number>>;
  /** Median wall time from STEP to the last STEP_DONE. */
  readonly medianStepMs: number;
  /** Median time rank 0 spent reducing per step. */
  readonly medianReduceMs: number;
  /** CPU time (user + system) of the coordinator's process per step while training, ms: it should stay off the critical path. */
  readonly coordinatorCpuMsPerStep: number;
  /** Steps at which every rank's weight checksum was compared (and matched). */
  readonly checksumSteps: readonly number[];
  readonly samples: readonly string[];
  readonly finalWeights: string | undefined;
}

/**
 * The coordinator of a data-parallel job. It holds the barrier, averages
 * gradients for the star reducer, writes what the run produces and keeps
 * the job going when workers come and go; it never computes with tfjs.
 * The protocol is numbered once, in @ganglion/comm's messages.ts; this
 * class runs the coordinator's side of it. run() holds the order of the
 * stages below and hands each to one part, built here around one shared
 * socket, membership and JobState (generation, training or not):
 * GroupAdmission (admission; the drops of a membership change),
 * GenerationForming (a generation and its state), StepLoop (training; the
 * step a change interrupted), RunProducts (the SAMPLES, STATE and WEIGHTS
 * the run keeps), CoordinatorInbox (every incoming message: undecodable
 * ones, strangers, HELLO to admission, GRADS to the StarAggregator) and
 * CoordinatorLink (receive, send, HEARTBEAT and SHUTDOWN).
 *
 * Admission. Every HELLO is checked: protocol version (a message that
 *    does not decode gets ERROR with the decoder's reason), pipeline hash
 *    (ERROR 'pipeline-mismatch' unless it equals ours or is null), a ring
 *    endpoint when the reducer is 'ring', a distinct worker id ('duplicate-
 *    worker'), on a CURVE coordinator a declared public key that
 *    authenticated (curveKeyRefusal; WELCOME then carries the ring's keys,
 *    ringPeerKeys), a free place (ERROR 'job-full' beyond `workers` before
 *    training, `maxWorkers` during it). A message from a peer that is not
 *    a worker of the job is refused (a dropped one gets ERROR 'dropped'). An
 *    admitted worker gets a HEARTBEAT at once, so it knows it was heard; a
 *    repeated HELLO from the same process is only acknowledged again.
 * Forming a generation, when `workers` are admitted (later: after a
 *    loss, or at the step boundary after a worker joined): generation
 *    += 1 (above any generation a HELLO reported, so workers that
 *    outlived an earlier coordinator accept it), ranks = survivors in
 *    their old order, then joiners; WELCOME to each (rank, world size,
 *    generation, seed, start step, pipeline path + hash + settings,
 *    reducer, ring peers, syncState).
 * State. Fresh job: no STATE, every worker starts from the seeded
 *    initial weights. `resume`: the checkpoint's STATE to every rank.
 *    After a membership change: rank 0 (a survivor) sends its STATE and
 *    the coordinator forwards it to every other rank, so all hold the
 *    same weights, optimizer and position, whatever each had applied of
 *    the interrupted step; training continues at rank 0's position (the
 *    interrupted step, or the remaining phases of it). Each worker loads
 *    it and answers RING_READY. A worker that fails there (ERROR) is
 *    dropped and the generation formed again. Bounded by `joinTimeoutMs`.
 * Training: a STEP to every rank grants the next step (star) or the next
 *    `stepWindow` steps (ring), naming those that need a weights checksum
 *    (every `checksumEvery` steps and the last); joiners wait for the end
 *    of a grant. GRADS go to the StarAggregator as they come; per step,
 *    each rank reports STEP_DONE with its metrics and, when asked, its
 *    weights checksum. With every STEP_DONE of a step in: compare the checksums
 *    (a mismatch stops the run), write rank 0's metrics (its losses are
 *    the global means) to metrics.jsonl. SAMPLES from rank 0 are written
 *    as grids, STATE from rank 0 as checkpoints (CoordinatorCheckpoints),
 *    whenever they arrive.
 * Membership change during training. A worker is gone when a send to
 *    it fails (ROUTER `mandatory`): killed, or dropped by the ZMTP
 *    heartbeat timeout when hung. The coordinator logs which worker,
 *    drops it, aborts the step (the new generation makes everything of
 *    the old one stale: StarAggregator.setMembership forgets partial
 *    sums, workers abandon their reduction) and forms a new generation
 *    (WELCOME, STATE) with the survivors. Below `minWorkers` it waits up
 *    to `rejoinTimeoutMs` for workers to (re)join, then fails. A worker
 *    joining mid-run is admitted at the end of the current grant the same way.
 *    A stalled reduction is handled the same way: the ranks that received
 *    nothing for --reduce-timeout send REDUCE_STALLED naming the peer that
 *    did not deliver and the peers whose ring endpoint they could not
 *    connect to; after a short gathering window (StallReports) the
 *    coordinator drops the rank whose link the probes show down, else that
 *    peer (ERROR 'dropped', then as if it died),
 *    or, when nobody can be blamed, re-forms the same workers.
 * The end: after the last step, wait for rank 0's final STATE (the last
 *    checkpoint) and WEIGHTS, write them.
 * SHUTDOWN to every worker: at the end, on failure (ERROR from a
 *    worker, a checksum mismatch, too few workers), or on the abort signal.
 * Throughout, HEARTBEAT to every worker every `heartbeatIntervalMs`.
 */
export class Coordinator {
  private readonly job = new JobState();
  private readonly members = new CoordinatorMembers();
  private readonly link: CoordinatorLink;
  private readonly inbox: CoordinatorInbox;
  private readonly forming: GenerationForming;
  private readonly stepLoop: StepLoop;
  private readonly products: RunProducts;
  private readonly progress: ProgressReporter;

  constructor(
    private readonly socket: CoordinatorSocket,
    private readonly options: CoordinatorOptions,
    outputs: CoordinatorOutputs,
    private readonly logger: Logger,
    clock: Clock,
  ) {
    const { workers, minWorkers = workers, maxWorkers = workers } = options;
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(`The job needs at least one worker, got ${workers}.`);
    }
    if (!Number.isInteger(minWorkers) || minWorkers < 1 || minWorkers > workers) {
      throw new RangeError(`--min-workers must be between 1 and --workers (${workers}), got ${minWorkers}.`);
    }
    if (!Number.isInteger(maxWorkers) || maxWorkers < workers) {
      throw new RangeError(`--max-workers must be at least --workers (${workers}), got ${maxWorkers}.`);
    }
    const { pipeline, events } = options;
    const { members } = this;
    const aggregator = new StarAggregator(socket);
    this.link = new CoordinatorLink(socket, members, this.job, { heartbeatIntervalMs: options.heartbeatIntervalMs ?? 2000, signal: options.signal });
    this.products = new RunProducts(outputs, options.checkpoints, options.resume, logger, events);
    const admission = new GroupAdmission(socket, this.link, members, this.job, { pipeline, workers, maxWorkers }, logger, events);
    this.inbox = new CoordinatorInbox(this.link, members, this.job, admission, aggregator, logger, events);
    const context: CoordinatorContext = { link: this.link, members, job: this.job, admission, inbox: this.inbox, products: this.products, settings: pipeline.settings, logger, clock, events };
    this.forming = new GenerationForming(context, socket, aggregator, {
      pipeline,
      workers,
      minWorkers,
      joinTimeoutMs: options.joinTimeoutMs,
      rejoinTimeoutMs: options.rejoinTimeoutMs ?? 60_000,
    });
    this.progress = options.progress ?? reduceProgressLines(pipeline.settings, logger, () => members.ranked.length);
    // Ranks behind a stuck peer time out within moments of each other: gather their reports this long before the verdict.
    const gatherMs = stallGatherMs(pipeline.settings.distributed.reduceTimeoutMs);
    this.stepLoop = new StepLoop(context, outputs, this.progress, new StallReports(gatherMs), (step, phase) => aggregator.missingRanks(step, phase));
  }

  private get settings(): PipelineSettings {
    return this.options.pipeline.settings;
  }

  async run(): Promise<CoordinatorResult> {
    const heartbeat = setInterval(() => void this.link.beat(), this.link.interval);
    const unroute = this.socket.route('GRADS', (incoming) => this.inbox.onGrads(incoming.peer, incoming.envelope));
    try {
      const result = await this.runJob();
      await this.link.shutdownAll('training finished');
      return result;
    } catch (error) {
      const failure = this.link.explain(error);
      await this.link.shutdownAll(failure instanceof CoordinatorInterruptedError ? `interrupted: ${failure.message}` : `the job failed: ${failure.message}`);
      throw failure;
    } finally {
      clearInterval(heartbeat);
      unroute();
    }
  }

  /** Steps 1-6: forms a generation, trains until the last step or a membership change (then forms the next), collects the final weights. */
  private async runJob(): Promise<CoordinatorResult> {
    const { workers } = this.options;
    const { distributed, steps, logEvery } = this.settings;
    this.logger.info(
      { endpoint: this.socket.endpoint, workers, reducer: distributed.reducer },
      `waiting for ${workers} worker${workers === 1 ? '' : 's'} at ${this.socket.endpoint} (reducer ${distributed.reducer}${distributed.fp16 ? ', fp16' : ''})`,
    );
    const resume = this.options.resume;
    let source: StateSource = resume === undefined ? 'fresh' : 'checkpoint';
    let position: StatePosition = { step: resume?.state.step ?? this.options.startStep ?? 0, phase: 0 };
    const { history, checksumSteps } = this.stepLoop;
    let worldSize = 0;
    let cpuAtStart: NodeJS.CpuUsage | undefined;
    let cpuMs = 0;
    try {
      for (;;) {
        position = await this.forming.form(source, position);
        worldSize = this.members.ranked.length;
        if (!this.job.training) {
          this.stepLoop.startTraining(position.step);
          cpuAtStart = process.cpuUsage();
        }
        const start = position.step;
        try {
          await this.stepLoop.trainSteps(position.step);
          break;
        } catch (error) {
          if (!(error instanceof MembershipChange)) throw error;
          source = 'rank0';
          // Rank 0's STATE says exactly where; the WELCOME names the first step whose metrics are not written.
          position = { step: Math.max(start, this.stepLoop.firstUnwritten), phase: 0 };
        }
      }
      const cpu = process.cpuUsage(cpuAtStart);
      cpuMs = (cpu.user + cpu.system) / 1000;
    } finally {
      this.progress.stop();
    }
    const cpuMsPerStep = history.length === 0 ? 0 : cpuMs / history.length;
    const medianStepMs = median(history.map((m) => m.stepMs));
    this.logger.info(
      { coordinatorCpuMsPerStep: Math.round(cpuMsPerStep * 100) / 100, medianStepMs, steps: history.length },
      `coordinator CPU while training: ${cpuMsPerStep.toFixed(2)} ms/step, ${((100 * cpuMsPerStep) / Math.max(medianStepMs, 1e-9)).toFixed(2)}% of a core at the median ${medianStepMs.toFixed(0)} ms/step`,
    );
    await this.stepLoop.awaitFinalWeights(steps, this.options.finishTimeoutMs ?? 300_000);
    const recent = history.slice(-logEvery);
    return {
      steps: history.length,
      worldSize,
      reducer: distributed.reducer,
      firstLosses: history[0]?.losses ?? {},
      finalLosses: meanLosses(recent),
      medianStepMs,
      medianReduceMs: median(history.map((m) => m.reduceMs ?? 0)),
      coordinatorCpuMsPerStep: cpuMsPerStep,
      checksumSteps: [...checksumSteps],
      samples: this.products.sampleFiles,
      finalWeights: this.products.writeFinalWeights(),
    };
  }
}
