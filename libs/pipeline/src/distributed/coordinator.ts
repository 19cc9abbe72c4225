import {
  type CoordinatorSocket,
  type Envelope,
  type HelloHeader,
  type Incoming,
  type MessageInit,
  type PeerId,
  PeerUnreachableError,
  StarAggregator,
  WaitAbortedError,
  WaitTimeoutError,
  isEnvelopeOf,
  type MetricsHeader,
  type SamplesHeader,
  type WeightsHeader,
} from '@ganglion/comm';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { StepMetrics } from '../metrics-sink';
import type { PipelineSettings } from '../pipeline-definition';
import type { ProgressReporter } from '../progress/progress-reporter';
import { ChecksumMismatchError, CoordinatorInterruptedError, JoinTimeoutError, WorkerFailedError } from './coordinator-errors';
import type { CoordinatorOutputs } from './coordinator-outputs';
import { stepMetricsFromValues } from './step-metrics-values';
import { meanLosses, median, roundToTenth } from '../step-statistics';
import type { CoordinatorEvents } from '../dashboard/coordinator-events';

export interface CoordinatorOptions {
  /** The pipeline every worker must train: its file, the file's sha256 and the resolved settings (overrides applied). */
  readonly pipeline: { readonly file: string; readonly hash: string; readonly settings: PipelineSettings };
  /** Number of workers the job waits for. */
  readonly workers: number;
  /** Fail when fewer than `workers` joined, or they did not all get ready, within this many ms. */
  readonly joinTimeoutMs: number;
  /** First step to train. Default 0. */
  readonly startStep?: number;
  /** HEARTBEAT to every worker this often (a send to a gone worker fails: that is how deaths are noticed). Default 2000. */
  readonly heartbeatIntervalMs?: number;
  /** After the last step, wait this long for rank 0's final weights. Default 300000. */
  readonly finishTimeoutMs?: number;
  /** Stops the run: every worker gets SHUTDOWN and run() rejects with the signal's reason (or CoordinatorInterruptedError). */
  readonly signal?: AbortSignal;
  /**
   * Shows progress instead of the plain `step n/steps ...` log line every
   * `logEvery` steps (e.g. a BarProgressReporter on a terminal). Without
   * it, the coordinator logs those lines.
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
  /** Steps at which every rank's weight checksum was compared (and matched). */
  readonly checksumSteps: readonly number[];
  readonly samples: readonly string[];
  readonly finalWeights: string | undefined;
}

interface Member {
  readonly peer: PeerId;
  readonly hello: HelloHeader;
  /** Generation this worker said it is ready for (RING_READY), or -1. */
  readyFor: number;
}

interface StepReports {
  readonly metrics: Map<number, MetricsHeader>;
  readonly checksums: Map<number, string>;
  readonly done: Set<number>;
}

/**
 * The coordinator of a data-parallel job. It holds the barrier, averages
 * gradients for the star reducer, and writes what the run produces; it
 * never computes with tfjs. The protocol (message by message in
 * @ganglion/comm's messages.ts), as this class runs it:
 *
 * 1. Admission. Every HELLO is checked: protocol version (a message that
 *    does not decode gets ERROR with the decoder's reason), pipeline hash
 *    (ERROR 'pipeline-mismatch' unless it equals ours or is null), a ring
 *    endpoint when the reducer is 'ring', a free place (ERROR 'job-full').
 *    A refused worker is not admitted; the coordinator keeps waiting. An
 *    admitted one gets a HEARTBEAT at once, so it knows it was heard.
 * 2. When `workers` are admitted: generation += 1, ranks in arrival order,
 *    WELCOME to each (rank, world size, generation, seed, start step,
 *    pipeline path + hash + resolved settings, reducer, ring peers).
 * 3. Each worker loads the pipeline, data and model and answers RING_READY
 *    (whatever the reducer). A worker that fails there (e.g. its copy of
 *    the pipeline differs) sends ERROR: it is dropped and the coordinator
 *    waits for another, then welcomes everyone again under a new
 *    generation. All this is bounded by `joinTimeoutMs`.
 * 4. Per step: STEP to every rank (checksum: true every
 *    `checksumEvery` steps and at the last); GRADS go to the
 *    StarAggregator as they come; each rank reports METRICS, CHECKSUM
 *    when asked, then STEP_DONE. With every STEP_DONE in: compare the
 *    checksums (a mismatch stops the run), write rank 0's metrics (its
 *    losses are the global means) to metrics.jsonl.
 *    SAMPLES from rank 0 are written as grids whenever they arrive.
 * 5. After the last step: wait for rank 0's WEIGHTS, write them.
 * 6. SHUTDOWN to every worker: at the end, on failure (ERROR from a
 *    worker, a worker gone, a checksum mismatch), or on the abort signal.
 * Throughout, HEARTBEAT to every worker every `heartbeatIntervalMs`; a
 * send that fails (ROUTER `mandatory`) means that worker is gone.
 */
export class Coordinator {
  private readonly aggregator: StarAggregator;
  private readonly members: Member[] = [];
  private readonly lost = new Set<PeerId>();
  private generation = 0;
  private welcomed = false;
  private training = false;
  private failure: Error | undefined;
  private readonly samples: string[] = [];
  private finalWeights: Envelope<WeightsHeader> | undefined;

  constructor(
    private readonly socket: CoordinatorSocket,
    private readonly options: CoordinatorOptions,
    private readonly outputs: CoordinatorOutputs,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    if (!Number.isInteger(options.workers) || options.workers < 1) {
      throw new RangeError(`The job needs at least one worker, got ${options.workers}.`);
    }
    this.aggregator = new StarAggregator(socket);
  }

  private get settings(): PipelineSettings {
    return this.options.pipeline.settings;
  }

  async run(): Promise<CoordinatorResult> {
    const interval = this.options.heartbeatIntervalMs ?? 2000;
    const heartbeat = setInterval(() => void this.beat(), interval);
    const unroute = this.socket.route('GRADS', (incoming) => this.onGrads(incoming.peer, incoming.envelope));
    try {
      await this.admit();
      const result = await this.train();
      await this.shutdownAll('training finished');
      return result;
    } catch (error) {
      const failure = this.explain(error);
      await this.shutdownAll(failure instanceof CoordinatorInterruptedError ? `interrupted: ${failure.message}` : `the job failed: ${failure.message}`);
      throw failure;
    } finally {
      clearInterval(heartbeat);
      unroute();
    }
  }

  // ---- 1-3: admission ----------------------------------------------------

  private async admit(): Promise<void> {
    const { workers, joinTimeoutMs } = this.options;
    const { distributed } = this.settings;
    this.logger.info(
      { endpoint: this.socket.endpoint, workers, reducer: distributed.reducer },
      `waiting for ${workers} worker${workers === 1 ? '' : 's'} at ${this.socket.endpoint} (reducer ${distributed.reducer}${distributed.fp16 ? ', fp16' : ''})`,
    );
    let deadline = this.clock.now() + joinTimeoutMs;
    for (;;) {
      if (this.members.length === workers && !this.welcomed) {
        await this.welcomeAll();
        deadline = this.clock.now() + joinTimeoutMs;
      }
      if (this.welcomed && this.members.every((m) => m.readyFor === this.generation)) return;
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) throw this.joinTimeout();
      const incoming = await this.next(Math.min(remaining, this.options.heartbeatIntervalMs ?? 2000));
      if (incoming === undefined) continue;
      if (!incoming.ok) {
        await this.refuseUndecodable(incoming);
        continue;
      }
      const { envelope, peer } = incoming;
      if (isEnvelopeOf(envelope, 'HELLO')) await this.onHello(peer, envelope.header);
      else if (isEnvelopeOf(envelope, 'RING_READY')) {
        const member = this.memberOf(peer);
        if (member !== undefined) this.options.events?.messageFrom(member.hello.workerId);
        if (member !== undefined && envelope.header.generation === this.generation) member.readyFor = this.generation;
      } else if (isEnvelopeOf(envelope, 'ERROR')) this.dropBeforeTraining(peer, `${envelope.header.code}: ${envelope.header.reason}`);
    }
  }

  private async onHello(peer: PeerId, hello: HelloHeader): Promise<void> {
    const { pipeline, workers } = this.options;
    const who = `${hello.workerId} (${hello.host}, pid ${hello.pid})`;
    const refuse = async (code: string, reason: string): Promise<void> => {
      this.logger.warn({ worker: hello.workerId, host: hello.host, code }, `refused worker ${who}: ${reason}`);
      await this.trySend(peer, { type: 'ERROR', generation: this.generation, step: 0, code, reason, fatal: true });
    };
    if (hello.pipelineHash !== null && hello.pipelineHash !== pipeline.hash) {
      return refuse(
        'pipeline-mismatch',
        `Your pipeline file differs from the coordinator's ${pipeline.file} (sha256 ${hello.pipelineHash.slice(0, 12)} vs ${pipeline.hash.slice(0, 12)}). ` +
          'The files differ: deploy the same code on every machine.',
      );
    }
    if (this.settings.distributed.reducer === 'ring' && hello.ringEndpoint === null) {
      return refuse('no-ring-endpoint', 'This job reduces over a ring: the worker must bind a ring socket and announce it in HELLO (ringEndpoint).');
    }
    if (this.memberOf(peer) !== undefined) {
      return refuse('duplicate-worker', `A worker with id "${hello.workerId}" already joined; give each worker a distinct --worker-id.`);
    }
    if (this.members.length >= workers || this.training) {
      return refuse('job-full', `The job already has its ${workers} worker${workers === 1 ? '' : 's'}${this.training ? ' and is training' : ''}; start a new job or raise --workers.`);
    }
    this.members.push({ peer, hello, readyFor: -1 });
    this.options.events?.memberJoined(hello);
    await this.trySend(peer, { type: 'HEARTBEAT', generation: this.generation, step: 0, sentAtMs: Date.now() });
    this.logger.info(
      { worker: hello.workerId, host: hello.host, pid: hello.pid, backend: hello.backend, devices: hello.devices },
      `worker ${who} joined with backend ${hello.backend}${hello.devices.length > 0 ? ` on ${hello.devices.join(',')}` : ''} (${this.members.length}/${workers})`,
    );
  }

  private async welcomeAll(): Promise<void> {
    this.generation += 1;
    const { pipeline } = this.options;
    const { distributed, seed } = this.settings;
    const worldSize = this.members.length;
    const peers = distributed.reducer === 'ring' ? this.members.map((m) => m.hello.ringEndpoint as string) : [];
    this.aggregator.setMembership(this.generation, this.members.map((m) => m.peer));
    for (const [rank, member] of this.members.entries()) {
      member.readyFor = -1;
      await this.trySend(member.peer, {
        type: 'WELCOME',
        generation: this.generation,
        step: this.options.startStep ?? 0,
        rank,
        worldSize,
        seed,
        pipeline: { path: pipeline.file, hash: pipeline.hash, options: this.settings as unknown as Record<string, unknown> },
        reducer: { name: distributed.reducer, bucketBytes: distributed.bucketBytes, fp16: distributed.fp16 },
        peers,
      });
    }
    this.welcomed = true;
    this.options.events?.generationChanged(this.generation, this.members.map((m) => m.hello.workerId));
    this.logger.info(
      { generation: this.generation, ranks: this.members.map((m) => m.hello.workerId) },
      `all ${worldSize} workers joined; ranks ${this.members.map((m, rank) => `${rank}=${m.hello.workerId}`).join(' ')} (generation ${this.generation})`,
    );
  }

  private dropBeforeTraining(peer: PeerId, reason: string): void {
    const index = this.members.findIndex((m) => m.peer === peer);
    if (index < 0) {
      this.logger.warn({ peer, reason }, `a worker that is not in the job reported ${reason}`);
      return;
    }
    const [member] = this.members.splice(index, 1);
    this.options.events?.memberLost(member.hello.workerId, reason);
    this.welcomed = false;
    this.logger.error(
      { worker: member.hello.workerId, host: member.hello.host, reason },
      `worker ${member.hello.workerId} (${member.hello.host}) dropped out before training: ${reason}. Waiting for another worker (${this.members.length}/${this.options.workers}).`,
    );
  }

  private joinTimeout(): JoinTimeoutError {
    const { workers, joinTimeoutMs } = this.options;
    const seconds = Math.round(joinTimeoutMs / 1000);
    if (this.members.length < workers) {
      return new JoinTimeoutError(
        `Only ${this.members.length} of ${workers} workers joined within ${seconds} s. Start the missing workers with ` +
          `\`ganglion worker --connect ${this.socket.endpoint}\` (from another machine: this machine's address), lower --workers, or raise --join-timeout.`,
      );
    }
    const late = this.members.filter((m) => m.readyFor !== this.generation).map((m) => m.hello.workerId);
    return new JoinTimeoutError(`All ${workers} workers joined but ${late.join(', ')} did not get ready (load the pipeline, data and model) within ${seconds} s.`);
  }

  // ---- 4-5: training ----------------------------------------------------

  private async train(): Promise<CoordinatorResult> {
    this.training = true;
    const { steps, logEvery, distributed, batchSize } = this.settings;
    const worldSize = this.members.length;
    const start = this.options.startStep ?? 0;
    this.logger.info(
      { worldSize, reducer: distributed.reducer, bucketBytes: distributed.bucketBytes, fp16: distributed.fp16, steps, batchSize },
      `training ${this.settings.name}: ${worldSize} worker${worldSize === 1 ? '' : 's'}, reducer ${distributed.reducer}${distributed.fp16 ? ' (fp16)' : ''}, ` +
        `global batch ${batchSize}, steps ${start}..${steps - 1}`,
    );
    const history: StepMetrics[] = [];
    const checksumSteps: number[] = [];
    const { progress } = this.options;
    progress?.start(steps, start);
    try {
      await this.trainSteps(start, history, checksumSteps);
    } finally {
      progress?.stop();
    }
    await this.awaitFinalWeights(steps);
    const recent = history.slice(-logEvery);
    return {
      steps: history.length,
      worldSize,
      reducer: distributed.reducer,
      firstLosses: history[0]?.losses ?? {},
      finalLosses: meanLosses(recent),
      medianStepMs: median(history.map((m) => m.stepMs)),
      medianReduceMs: median(history.map((m) => m.reduceMs ?? 0)),
      checksumSteps,
      samples: [...this.samples],
      finalWeights: this.writeFinalWeights(),
    };
  }

  /** Step 4 for steps `start`..steps-1: appends each step's metrics to `history` and each checked step to `checksumSteps`. */
  private async trainSteps(start: number, history: StepMetrics[], checksumSteps: number[]): Promise<void> {
    const { steps, logEvery, distributed, batchSize } = this.settings;
    const { checksumEvery } = distributed;
    const { progress } = this.options;
    const worldSize = this.members.length;
    for (let step = start; step < steps; step++) {
      const checksum = (step + 1) % checksumEvery === 0 || step + 1 === steps;
      const started = this.clock.now();
      const reports: StepReports = { metrics: new Map(), checksums: new Map(), done: new Set() };
      for (const member of this.members) {
        await this.sendOrFail(member, { type: 'STEP', generation: this.generation, step, checksum });
      }
      while (reports.done.size < worldSize) {
        const incoming = await this.next(this.options.heartbeatIntervalMs ?? 2000);
        if (incoming !== undefined) await this.onTrainingMessage(incoming, step, reports);
      }
      const stepMs = this.clock.now() - started;
      if (checksum) {
        this.compareChecksums(step, reports.checksums);
        checksumSteps.push(step);
      }
      const rank0 = reports.metrics.get(0);
      const fromRank0 = stepMetricsFromValues(step, rank0?.values ?? {}, this.clock.date());
      const metrics: StepMetrics = { ...fromRank0, stepMs, samplesPerSecond: (batchSize * 1000) / stepMs };
      this.outputs.metrics.write(metrics);
      history.push(metrics);
      this.options.events?.stepFinished(metrics, reports.metrics);
      const done = step + 1;
      if (progress !== undefined) progress.update(metrics);
      else if (done % logEvery === 0 || done === steps) this.logProgress(done, history.slice(-logEvery));
    }
  }

  private async onTrainingMessage(incoming: Incoming, step: number, reports: StepReports): Promise<void> {
    if (!incoming.ok) {
      await this.refuseUndecodable(incoming);
      return;
    }
    const { envelope, peer } = incoming;
    const member = this.memberOf(peer);
    if (isEnvelopeOf(envelope, 'HELLO')) {
      await this.onHello(peer, envelope.header);
      return;
    }
    if (member === undefined) {
      this.refuseStranger(peer, envelope.header.type);
      return;
    }
    const rank = this.members.indexOf(member);
    this.options.events?.messageFrom(member.hello.workerId);
    const { header } = envelope;
    if (header.type === 'ERROR') {
      throw new WorkerFailedError(`Worker ${member.hello.workerId} (rank ${rank} on ${member.hello.host}) failed: ${header.reason}`);
    }
    if (header.generation !== this.generation) return;
    if (header.type === 'SAMPLES') {
      this.writeSamples(envelope as Envelope<SamplesHeader>);
      return;
    }
    if (header.type === 'WEIGHTS') {
      this.finalWeights = envelope as Envelope<WeightsHeader>;
      return;
    }
    if (header.type !== 'METRICS' && header.type !== 'CHECKSUM' && header.type !== 'STEP_DONE') return;
    if (header.rank !== rank || header.step !== step) {
      throw new WorkerFailedError(
        `Worker ${member.hello.workerId} (rank ${rank}) sent ${header.type} for rank ${header.rank}, step ${header.step} during step ${step}; the job is out of step.`,
      );
    }
    if (header.type === 'METRICS') reports.metrics.set(rank, header);
    else if (header.type === 'CHECKSUM') reports.checksums.set(rank, header.value);
    else reports.done.add(rank);
  }

  private compareChecksums(step: number, checksums: ReadonlyMap<number, string>): void {
    const values = this.members.map((_, rank) => checksums.get(rank));
    const missing = values.flatMap((value, rank) => (value === undefined ? [rank] : []));
    if (missing.length > 0) {
      throw new ChecksumMismatchError(`Step ${step}: ranks ${missing.join(', ')} sent no weight checksum although the STEP asked for one.`);
    }
    if (new Set(values).size !== 1) {
      throw new ChecksumMismatchError(
        `WEIGHTS DIVERGED at step ${step}: the ranks' weight checksums differ (${values.map((v, rank) => `rank ${rank}: ${v}`).join(', ')}). ` +
          'Replicas must hold identical weights; stopping. Check that every worker runs the same code and backend.',
      );
    }
    this.logger.info({ step: step + 1, checksum: values[0], ranks: values.length }, `step ${step + 1}: weight checksums match on all ${values.length} ranks (${values[0]})`);
  }

  private async awaitFinalWeights(steps: number): Promise<void> {
    const deadline = this.clock.now() + (this.options.finishTimeoutMs ?? 300_000);
    while (this.finalWeights === undefined) {
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) throw new WorkerFailedError(`Rank 0 did not send its final weights within ${Math.round((this.options.finishTimeoutMs ?? 300_000) / 1000)} s of step ${steps}.`);
      const incoming = await this.next(Math.min(remaining, this.options.heartbeatIntervalMs ?? 2000));
      if (incoming !== undefined) await this.onTrainingMessage(incoming, steps, { metrics: new Map(), checksums: new Map(), done: new Set() });
    }
  }

  private writeSamples(envelope: Envelope<SamplesHeader>): void {
    const { step, count, height, width, channels, pixelRange } = envelope.header;
    const file = this.outputs.writeSamples(step, { count, height, width, channels, pixelRange, pixels: envelope.payload[0] });
    this.samples.push(file);
    this.options.events?.samplesWritten(step, file);
    this.logger.info({ step, file }, `sample grid ${file}`);
  }

  private writeFinalWeights(): string | undefined {
    if (this.finalWeights === undefined) return undefined;
    const { header, payload } = this.finalWeights;
    const weights = header.names.map((name, i) => ({ name, shape: header.shapes[i], values: payload[i] }));
    const file = this.outputs.writeFinalWeights(header.step, weights);
    this.logger.info({ file, tensors: weights.length }, `final weights ${file}`);
    return file;
  }

  private logProgress(done: number, recent: readonly StepMetrics[]): void {
    const { steps, distributed, batchSize } = this.settings;
    const losses = meanLosses(recent);
    const stepMs = median(recent.map((m) => m.stepMs));
    const reduceMs = median(recent.map((m) => m.reduceMs ?? 0));
    const lossText = Object.entries(losses)
      .map(([phase, loss]) => `${phase}=${loss.toFixed(4)}`)
      .join(' ');
    const worldSize = this.members.length;
    this.logger.info(
      { step: done, steps, losses, stepMs: roundToTenth(stepMs), reduceMs: roundToTenth(reduceMs), samplesPerSecond: roundToTenth((batchSize * 1000) / stepMs), worldSize, reducer: distributed.reducer },
      `step ${done}/${steps} loss ${lossText} ${stepMs.toFixed(0)} ms/step, reduce ${reduceMs.toFixed(1)} ms/step [${distributed.reducer}, world size ${worldSize}]`,
    );
  }

  // ---- plumbing ---------------------------------------------------------

  /** The next message, or undefined after `timeoutMs`; throws a recorded failure or the interruption. */
  private async next(timeoutMs: number): Promise<Incoming | undefined> {
    this.processLost();
    if (this.failure !== undefined) throw this.failure;
    try {
      return await this.socket.receive({ timeoutMs, signal: this.options.signal });
    } catch (error) {
      if (error instanceof WaitTimeoutError) return undefined;
      if (error instanceof WaitAbortedError) throw this.interruption();
      throw error;
    } finally {
      this.processLost();
    }
  }

  private processLost(): void {
    for (const peer of this.lost) {
      this.lost.delete(peer);
      const member = this.memberOf(peer);
      if (member === undefined) continue;
      this.options.events?.memberLost(member.hello.workerId, 'its connection dropped');
      if (this.training) {
        this.failure ??= new WorkerFailedError(
          `Worker ${member.hello.workerId} (rank ${this.members.indexOf(member)} on ${member.hello.host}, pid ${member.hello.pid}) disconnected. ` +
            'Membership changes during training are not supported yet: restart the job.',
        );
      } else {
        this.dropBeforeTraining(peer, 'its connection dropped');
      }
    }
    if (this.failure !== undefined) throw this.failure;
  }

  private async beat(): Promise<void> {
    for (const member of [...this.members]) {
      try {
        await this.socket.send(member.peer, { type: 'HEARTBEAT', generation: this.generation, step: 0, sentAtMs: Date.now() });
      } catch (error) {
        if (error instanceof PeerUnreachableError) this.lost.add(member.peer);
      }
    }
  }

  private onGrads(peer: PeerId, envelope: Envelope): void {
    if (!isEnvelopeOf(envelope, 'GRADS')) return;
    // Only the peer admitted for a rank may send its gradients: a stranger's GRADS never reach the aggregator (nor fail the job).
    if (this.memberOf(peer) === undefined) {
      this.refuseStranger(peer, `GRADS claiming rank ${envelope.header.rank}`);
      return;
    }
    void this.aggregator.accept(peer, envelope).then(
      (result) => {
        if (result.status === 'refused' && result.error.code !== 'stale-generation') {
          this.failure ??= new WorkerFailedError(`Gradients from ${JSON.stringify(peer)} were refused: ${result.error.message}`);
        } else if (result.status === 'reduced') {
          for (const { peer: gone } of result.failed) this.lost.add(gone);
        }
      },
      (error: unknown) => {
        this.failure ??= new WorkerFailedError(`Averaging gradients failed: ${(error as Error).message}`);
      },
    );
  }

  /** A well-formed message from a peer that is not a worker of this job: logged and dropped. */
  private refuseStranger(peer: PeerId, what: string): void {
    this.logger.warn({ peer, refused: what }, `refused ${what} from ${JSON.stringify(peer)}: it is not a worker of this job; dropped`);
  }

  private async refuseUndecodable(incoming: Incoming & { ok: false }): Promise<void> {
    const { error, peer } = incoming;
    this.logger.warn({ peer, code: error.code }, `refused a message from ${JSON.stringify(peer)}: ${error.message}`);
    await this.trySend(peer, { type: 'ERROR', generation: this.generation, step: 0, code: error.code, reason: error.message, fatal: true });
    if (this.training && this.memberOf(peer) !== undefined) {
      throw new WorkerFailedError(`Worker ${JSON.stringify(peer)} sent a message the coordinator cannot read: ${error.message}`);
    }
  }

  private async sendOrFail(member: Member, init: MessageInit): Promise<void> {
    try {
      await this.socket.send(member.peer, init);
    } catch (error) {
      if (error instanceof PeerUnreachableError) {
        this.lost.add(member.peer);
        this.processLost();
      }
      throw error;
    }
  }

  private async trySend(peer: PeerId, init: MessageInit): Promise<boolean> {
    try {
      await this.socket.send(peer, init);
      return true;
    } catch (error) {
      if (error instanceof PeerUnreachableError) {
        this.lost.add(peer);
        return false;
      }
      throw error;
    }
  }

  private async shutdownAll(reason: string): Promise<void> {
    await Promise.allSettled(
      this.members.map((member) => this.socket.send(member.peer, { type: 'SHUTDOWN', generation: this.generation, step: 0, reason })),
    );
    // linger is 0: let the I/O thread put the SHUTDOWNs on the wire before the caller closes the socket.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  private memberOf(peer: PeerId): Member | undefined {
    return this.members.find((m) => m.peer === peer);
  }

  private interruption(): Error {
    const reason: unknown = this.options.signal?.reason;
    if (reason instanceof Error) return reason;
    return new CoordinatorInterruptedError(typeof reason === 'string' ? reason : 'the run was interrupted');
  }

  private explain(error: unknown): Error {
    if (error instanceof WaitAbortedError) return this.interruption();
    return error instanceof Error ? error : new Error(String(error));
  }
}
