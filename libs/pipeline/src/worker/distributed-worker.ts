import * as fs from 'node:fs';
import * as os from 'node:os';
import {
  type CurveClientOptions,
  type GradientReducer,
  ReduceTimeoutError,
  type RingTransport,
  WaitTimeoutError,
  type WelcomeHeader,
  WorkerSocket,
  commModule,
  GradientReducerRegistry,
  isEnvelopeOf,
} from '@ganglion/comm';
import { Dataset } from '@ganglion/data';
import { assertUniqueVariableNames, GenerativeModel, type RequestedBackend } from '@ganglion/models';
import { createLogger, type Logger } from '../logger';
import type { PipelineDefinition, PipelineSettings } from '../pipeline-definition';
import { loadPipelineFile, pipelineFileHash } from '../pipeline-file';
import { pipelineHashWith, type SetOverride } from '../set-overrides';
import { Trainer, TrainingImages } from '../trainer';
import { createTrainingContainer, loadRunModules, selectTrainingBackend } from '../training-container';
import { restoreCheckpoint, verifyCheckpointFiles } from '../checkpoints/checkpoint-reader';
import { bindWorkerRing } from './bind-worker-ring';
import { distributedWorkerModule } from './distributed-worker-module';
import { readModelWeights } from '../job-messages/named-weights';
import { defaultAdvertiseHost, isLoopbackEndpoint } from '@ganglion/comm';
import { RemoteCheckpointStore } from './remote-checkpoint-store';
import { stateFiles, type StatePosition } from '../job-messages/state-message';
import { StepProgress } from './step-progress';
import { CoordinatorLostError, WorkerSession } from './worker-session';

export interface DistributedWorkerOptions {
  /** The coordinator's endpoint, e.g. `tcp://10.0.0.1:5555`. */
  readonly connect: string;
  /**
   * This machine's copy of the pipeline file. Without it the worker loads
   * the path the coordinator's WELCOME names (the same code deployed at the
   * same path) and checks its hash.
   */
  readonly pipelineFile?: string;
  /**
   * `--set` overrides this worker was started with: part of the pipeline
   * hash it must share with the coordinator (the settings themselves come
   * from the coordinator's WELCOME).
   */
  readonly sets?: readonly SetOverride[];
  /** Compute backend, or 'auto'. */
  readonly backend?: RequestedBackend;
  /**
   * Where the ring socket binds. Default: `tcp://127.0.0.1:*` when the
   * coordinator is on loopback, else `tcp://0.0.0.0:*`.
   */
  readonly ringBind?: string;
  /** Host announced in the ring endpoint. Default: the bound address, or this machine's first external IPv4 when binding 0.0.0.0. */
  readonly advertiseHost?: string;
  /** Give up when the coordinator has not answered HELLO within this many ms. Default 30000. */
  readonly connectTimeoutMs?: number;
  /** The coordinator counts as gone when silent this long (it sends heartbeats every 2 s; time this process spent computing does not count). Default 120000. */
  readonly silenceTimeoutMs?: number;
  /**
   * When the coordinator is gone, wait this long for it to come back (a
   * restarted `ganglion coordinator --resume` on the same endpoint) and
   * rejoin with HELLO, instead of exiting with an error. Default: exit.
   */
  readonly waitForCoordinatorMs?: number;
  /** Stable id (the DEALER routing id). Default `<host>-<pid>`. */
  readonly workerId?: string;
  readonly logFormat?: 'pretty' | 'json';
  /** Environment to report devices from (CUDA_VISIBLE_DEVICES). Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * CURVE towards a CURVE coordinator: this worker's key pair and the
   * coordinator's public key. Default: off. With CURVE the HELLO declares
   * the public key and the ring socket is CURVE with the same key pair,
   * admitting only the keys of the job's members (WELCOME.peerKeys).
   */
  readonly curve?: CurveClientOptions;
}

export interface DistributedWorkerResult {
  readonly rank: number;
  readonly worldSize: number;
  /** Steps this worker trained. */
  readonly steps: number;
  /** The coordinator's SHUTDOWN reason. */
  readonly shutdownReason: string;
}

/** No coordinator answered, or it refused this worker. */
export class WorkerConnectError extends Error {
  override readonly name = 'WorkerConnectError';
}

/**
 * `ganglion worker`: one worker process of a data-parallel job. A
 * composition root like trainInProcess, with the Trainer's seams rebound
 * for data parallelism (distributedWorkerModule).
 *
 * 1. Choose the compute backend; bind the ring socket.
 * 2. HELLO to the coordinator (worker id, host, pid, backend, devices,
 *    ring endpoint, pipeline hash or null); wait for WELCOME (an ERROR,
 *    e.g. a pipeline hash mismatch, ends the worker with its reason).
 * 3. Load the pipeline file and check its hash against the WELCOME's; the
 *    resolved settings come from the WELCOME (command-line overrides
 *    included), so every rank trains the same thing.
 * 4. Create the reducer the WELCOME names; load the dataset; build the
 *    model; tell the coordinator it is ready.
 * 5. State (WELCOME.syncState): send this worker's state (STATE) or load
 *    the one the coordinator sends; tell the coordinator it is ready.
 * 6. Trainer.run(start step, phase): the StepGate follows the
 *    coordinator's STEPs; rank 0's CheckpointStore sends STATE at
 *    checkpoint steps. A newer WELCOME (a worker left or joined) aborts
 *    the step in flight: adopt it and go back to 5. The coordinator gone
 *    (no heartbeat): exit with an error, or with waitForCoordinatorMs
 *    HELLO until a restarted coordinator WELCOMEs this worker, then 5.
 * 7. Rank 0 sends the final weights (WEIGHTS); wait for SHUTDOWN.
 * On failure the worker sends a fatal ERROR with the reason, best effort.
 */
export async function runDistributedWorker(options: DistributedWorkerOptions): Promise<DistributedWorkerResult> {
  const env = options.env ?? process.env;
  const workerId = options.workerId ?? `${os.hostname()}-${process.pid}`;
  const connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
  const silenceTimeoutMs = options.silenceTimeoutMs ?? 120_000;
  const logger = createLogger({ format: options.logFormat, base: { worker: workerId } });
  const cudaDevices = visibleDevices(env);
  if (env.CUDA_VISIBLE_DEVICES !== undefined) logger.info({ devices: cudaDevices }, `CUDA_VISIBLE_DEVICES=${env.CUDA_VISIBLE_DEVICES}`);

  const container = createTrainingContainer(commModule);
  const backend = await selectTrainingBackend(container, options.backend, logger);
  // On webgpu the device is the adapter Dawn gave this worker; CUDA_VISIBLE_DEVICES means nothing to it.
  const devices = backend.adapter === undefined ? cudaDevices : [`webgpu:${backend.adapter.index ?? 0} ${backend.adapter.description || backend.adapter.device}`];

  const coordinatorOnLoopback = isLoopbackEndpoint(options.connect);
  const ringBind = options.ringBind ?? (coordinatorOnLoopback ? 'tcp://127.0.0.1:*' : 'tcp://0.0.0.0:*');
  const advertiseHost = options.advertiseHost ?? (ringBind.startsWith('tcp://0.0.0.0:') ? defaultAdvertiseHost() : undefined);
  // With CURVE the ring is CURVE too, with this worker's key pair (bindWorkerRing).
  const ring: RingTransport | undefined = await bindWorkerRing({ bindEndpoint: ringBind, advertiseHost, curve: options.curve, logger });
  const socket = WorkerSocket.connect({ endpoint: options.connect, workerId, sendTimeoutMs: Math.max(connectTimeoutMs, 10_000), curve: options.curve });
  let reducer: GradientReducer | undefined;
  let welcomed: WelcomeHeader | undefined;
  let session: WorkerSession | undefined;
  let model: GenerativeModel | undefined;
  try {
    const pipelineHash = options.pipelineFile === undefined ? null : pipelineHashWith(pipelineFileHash(existingFile(options.pipelineFile)), options.sets ?? []);
    const hello = (generation: number): Promise<void> =>
      socket.send({
        type: 'HELLO',
        generation,
        step: 0,
        workerId,
        host: os.hostname(),
        pid: process.pid,
        backend: backend.name,
        devices,
        ringEndpoint: ring?.endpoint ?? null,
        pipelineHash,
        ...(options.curve === undefined ? {} : { curvePublicKey: options.curve.keyPair.publicKey }),
      });
    await hello(0);
    logger.info(
      { coordinator: options.connect, ring: ring?.endpoint ?? null, curve: options.curve !== undefined },
      `connecting to the coordinator at ${options.connect}${options.curve === undefined ? '' : ` (CURVE, this worker's key ${options.curve.keyPair.publicKey})`}`,
    );
    const welcome = await awaitWelcome(socket, options.connect, connectTimeoutMs, silenceTimeoutMs, logger, options.curve !== undefined);
    welcomed = welcome;

    const definition = pipelineFor(welcome, options.pipelineFile, options.sets ?? []);
    reducer = container.get<GradientReducerRegistry>(GradientReducerRegistry).create(
      welcome.reducer.name,
      { bucketBytes: welcome.reducer.bucketBytes, fp16: welcome.reducer.fp16, timeoutMs: welcome.reducer.timeoutMs },
      { workerSocket: socket, ringTransport: ring },
    );
    if (welcome.reducer.name !== 'ring') await ring?.close();
    session = new WorkerSession(socket, reducer, welcome, logger, silenceTimeoutMs);
    await session.start();
    const { reducer: reducerInfo } = welcome;
    logger.info(
      { rank: welcome.rank, worldSize: welcome.worldSize, generation: welcome.generation, reducer: reducerInfo },
      `rank ${welcome.rank} of ${welcome.worldSize}, reducer ${reducerInfo.name} (${formatBytes(reducerInfo.bucketBytes)} buckets${reducerInfo.fp16 ? ', fp16' : ''}), pipeline ${definition.settings.name}`,
    );

    const rankLogger = logger.child({}, { msgPrefix: '[trainer] ' });
    loadRunModules(container, definition, distributedWorkerModule({ definition, logger: rankLogger, session, reducer }));
    const images = await container.get<Dataset>(Dataset).load();
    logger.info({ dataset: images.name, count: images.count }, `dataset ${images.name}: ${images.count} images`);
    container.bind(TrainingImages).toConstantValue(images);
    model = container.get<GenerativeModel>(GenerativeModel);
    assertUniqueVariableNames(model.name, model.phases.flatMap((phase) => phase.variables));

    const trainer = container.get(Trainer);
    const progress = container.get(StepProgress);
    const states = container.get(RemoteCheckpointStore);
    let steps = 0;
    for (let current = welcome; ; ) {
      try {
        const position = await syncState(session, current, model, states, progress, logger);
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
        logger.error({ coordinator: options.connect, error: lost.message }, `coordinator lost: ${lost.message}`);
        if (options.waitForCoordinatorMs === undefined) {
          throw new CoordinatorLostError(`${lost.message} Exiting; start workers with --wait-for-coordinator to wait for a restarted coordinator (\`ganglion coordinator ... --resume\`).`);
        }
        await awaitCoordinatorBack(session, hello, options.connect, options.waitForCoordinatorMs, logger);
        current = await session.rejoin();
        logger.info({ rank: current.rank, worldSize: current.worldSize, generation: current.generation }, `rejoined: rank ${current.rank} of ${current.worldSize} (generation ${current.generation})`);
      }
    }
    const { steps: lastStep } = definition.settings;
    if (session.stoppedBecause === undefined && session.rank() === 0) {
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
    const shutdownReason = await session.awaitShutdown();
    logger.info({ reason: shutdownReason }, `coordinator: ${shutdownReason}; exiting`);
    return { rank: session.rank(), worldSize: session.worldSize(), steps, shutdownReason };
  } catch (error) {
    const stoppedBecause = session?.stoppedBecause;
    if (session !== undefined && stoppedBecause !== undefined) {
      // SHUTDOWN arrived mid-step and aborted the reduction: a clean stop.
      logger.info({ reason: stoppedBecause }, `coordinator: ${stoppedBecause}; stopped mid-step, exiting`);
      return { rank: session.rank(), worldSize: session.worldSize(), steps: Math.max(0, session.stepsStarted - 1), shutdownReason: stoppedBecause };
    }
    if (welcomed !== undefined && !(error instanceof CoordinatorLostError)) await reportFailure(socket, session?.generation() ?? welcomed.generation, error);
    throw error;
  } finally {
    session?.close();
    model?.dispose();
    await reducer?.close();
    await ring?.close();
    await socket.close();
  }
}

/**
 * Brings this worker to the state the WELCOME asks for and returns where
 * it continues: 'send' (rank 0 after a membership change) sends its own
 * state to the coordinator; 'receive' loads the STATE the coordinator
 * sends (checked against its manifest); neither: a fresh job at the
 * WELCOME's step. Undefined on SHUTDOWN.
 */
async function syncState(
  session: WorkerSession,
  welcome: WelcomeHeader,
  model: GenerativeModel,
  states: RemoteCheckpointStore,
  progress: StepProgress,
  logger: Logger,
): Promise<StatePosition | undefined> {
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

/**
 * After the coordinator was lost: HELLO every 2 s until a (restarted)
 * coordinator answers with a WELCOME (the session takes it: see
 * WorkerSession.rejoin), or `waitMs` passed. A refusal (fatal ERROR)
 * stays queued: the session throws it once it reads on.
 */
async function awaitCoordinatorBack(
  session: WorkerSession,
  hello: (generation: number) => Promise<void>,
  endpoint: string,
  waitMs: number,
  logger: Logger,
): Promise<void> {
  logger.warn({ coordinator: endpoint, waitMs }, `waiting up to ${Math.round(waitMs / 1000)} s for a coordinator at ${endpoint} to come back (--wait-for-coordinator)`);
  const deadline = Date.now() + waitMs;
  let lastHello = 0;
  while (!session.membershipChanged) {
    if (Date.now() >= deadline) {
      throw new WorkerConnectError(
        `No coordinator came back at ${endpoint} within ${Math.round(waitMs / 1000)} s (--wait-for-coordinator). Restart it with \`ganglion coordinator ... --resume\` and start this worker again.`,
      );
    }
    if (Date.now() - lastHello >= 2000) {
      lastHello = Date.now();
      // Queued until a coordinator is there; one that cannot even be queued is retried.
      await hello(session.generation()).catch((error: unknown) => logger.debug({ error: (error as Error).message }, 'HELLO not sent yet'));
    }
    // Only watch: the WELCOME is routed to the session, and what follows it (the STATE) must stay queued for the session.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function awaitWelcome(
  socket: WorkerSocket,
  endpoint: string,
  connectTimeoutMs: number,
  silenceTimeoutMs: number,
  logger: Logger,
  curve: boolean,
): Promise<WelcomeHeader> {
  let heard = false;
  for (;;) {
    let received;
    try {
      received = await socket.receive({ timeoutMs: heard ? silenceTimeoutMs : connectTimeoutMs });
    } catch (error) {
      if (!(error instanceof WaitTimeoutError)) throw error;
      throw new WorkerConnectError(
        heard
          ? `The coordinator at ${endpoint} went silent for ${Math.round(silenceTimeoutMs / 1000)} s before the job started; it stopped or the network failed.`
          : curve
            ? `No coordinator answered at ${endpoint} within ${Math.round(connectTimeoutMs / 1000)} s. With CURVE this usually means the coordinator refused this worker's key ` +
              `(its public key is not on the coordinator's --allow list; the coordinator logs "refused a worker") or --coordinator-key is not the coordinator's public key, ` +
              `or the coordinator runs without CURVE. Otherwise: start the coordinator first, check the host and port given to --connect, or raise --connect-timeout.`
            : `No coordinator answered at ${endpoint} within ${Math.round(connectTimeoutMs / 1000)} s. Start it first (\`ganglion coordinator <pipeline> --bind ...\` or \`ganglion launch\`), check the host and port given to --connect, or raise --connect-timeout.`,
      );
    }
    if (!received.ok) {
      throw new WorkerConnectError(`The coordinator at ${endpoint} sent a message this worker cannot read: ${received.error.message}`);
    }
    const { envelope } = received;
    if (isEnvelopeOf(envelope, 'WELCOME')) return envelope.header;
    if (isEnvelopeOf(envelope, 'ERROR')) {
      throw new WorkerConnectError(`The coordinator at ${endpoint} refused this worker (${envelope.header.code}): ${envelope.header.reason}`);
    }
    if (isEnvelopeOf(envelope, 'SHUTDOWN')) {
      throw new WorkerConnectError(`The coordinator at ${endpoint} stopped the job before it started: ${envelope.header.reason}`);
    }
    if (!heard) logger.info(`the coordinator at ${endpoint} answered; waiting for the other workers`);
    heard = true;
  }
}

/** The pipeline this worker trains: its own copy of the file, checked against the coordinator's hash, with the coordinator's settings. */
function pipelineFor(welcome: WelcomeHeader, localFile: string | undefined, sets: readonly SetOverride[]): PipelineDefinition {
  const file = localFile ?? welcome.pipeline.path;
  if (!fs.existsSync(file)) {
    throw new PipelineMismatchError(
      `The coordinator trains ${welcome.pipeline.path}, which does not exist on this machine (${os.hostname()}). ` +
        'Deploy the same code at the same path, or pass this machine\'s copy: `ganglion worker --connect ... <pipeline>`.',
    );
  }
  const hash = pipelineHashWith(pipelineFileHash(file), sets);
  if (hash !== welcome.pipeline.hash) {
    throw new PipelineMismatchError(
      `The pipeline file ${file} on this machine differs from the coordinator's ${welcome.pipeline.path} ` +
        `(sha256 ${hash.slice(0, 12)} here, ${welcome.pipeline.hash.slice(0, 12)} there; each with its training-relevant --set flags, here ${sets.length === 0 ? 'none' : sets.map((override) => override.text).join(' ')}). ` +
        'Deploy the same code on every machine. Give every process the same --set flags too.',
    );
  }
  const loaded = loadPipelineFile(file, sets);
  const settings = welcome.pipeline.options as unknown as PipelineSettings;
  if (settings.name !== loaded.definition.settings.name) {
    throw new PipelineMismatchError(`The coordinator runs pipeline "${settings.name}" but ${file} defines "${loaded.definition.settings.name}".`);
  }
  return { ...loaded.definition, settings };
}

/** This worker's copy of the pipeline differs from the coordinator's, or it has none at the path the coordinator names. */
export class PipelineMismatchError extends Error {
  override readonly name = 'PipelineMismatchError';
}

/** Tells the coordinator, which admitted this worker, why it is leaving (best effort). */
async function reportFailure(socket: WorkerSocket, generation: number, error: unknown): Promise<void> {
  if (socket.closed) return;
  const code = error instanceof PipelineMismatchError ? 'pipeline-mismatch' : 'worker-failed';
  const reason = error instanceof Error ? error.message : String(error);
  try {
    await Promise.race([
      socket.send({ type: 'ERROR', generation, step: 0, code, reason, fatal: true }),
      new Promise((resolve) => setTimeout(resolve, 2000)),
    ]);
    // linger is 0: give the I/O thread a moment to put the ERROR on the wire before the socket closes.
    await new Promise((resolve) => setTimeout(resolve, 100));
  } catch {
    // The coordinator is gone; the error is reported locally anyway.
  }
}

function existingFile(file: string): string {
  if (!fs.existsSync(file)) {
    throw new WorkerConnectError(`Pipeline file ${file} does not exist. Pass the same pipeline file the coordinator trains, or leave it out to use the coordinator's path.`);
  }
  return file;
}

function visibleDevices(env: NodeJS.ProcessEnv): string[] {
  const visible = env.CUDA_VISIBLE_DEVICES;
  if (visible === undefined || visible.trim() === '') return [];
  return visible.split(',').map((id) => `cuda:${id.trim()}`);
}

function formatBytes(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(bytes % (1 << 20) === 0 ? 0 : 1)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}
