import * as fs from 'node:fs';
import * as os from 'node:os';
import { Container } from 'inversify';
import {
  type CurveClientOptions,
  type GradientReducer,
  RingTransport,
  WaitTimeoutError,
  type WelcomeHeader,
  WorkerSocket,
  commModule,
  GradientReducerRegistry,
  isEnvelopeOf,
} from '@ganglion/comm';
import { dataModule, Dataset } from '@ganglion/data';
import { assertUniqueVariableNames, BackendSelector, GenerativeModel, modelsModule, type RequestedBackend } from '@ganglion/models';
import { createLogger, type Logger } from '../logger';
import type { PipelineDefinition, PipelineSettings } from '../pipeline-definition';
import { loadPipelineFile, pipelineFileHash } from '../pipeline-file';
import { pipelineModule } from '../pipeline-module';
import { Trainer, TrainingImages } from '../trainer';
import { distributedWorkerModule } from './distributed-worker-module';
import { readModelWeights } from './named-weights';
import { defaultAdvertiseHost, isLoopbackEndpoint } from './network-address';
import { WorkerSession } from './worker-session';

export interface DistributedWorkerOptions {
  /** The coordinator's endpoint, e.g. `tcp://10.0.0.1:5555`. */
  readonly connect: string;
  /**
   * This machine's copy of the pipeline file. Without it the worker loads
   * the path the coordinator's WELCOME names (the same code deployed at the
   * same path) and checks its hash.
   */
  readonly pipelineFile?: string;
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
  /** Give up when the coordinator has been silent this long (it sends heartbeats every few seconds). Default 120000. */
  readonly silenceTimeoutMs?: number;
  /** Stable id (the DEALER routing id). Default `<host>-<pid>`. */
  readonly workerId?: string;
  readonly logFormat?: 'pretty' | 'json';
  /** Environment to report devices from (CUDA_VISIBLE_DEVICES). Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * CURVE towards a CURVE coordinator: this worker's key pair and the
   * coordinator's public key. Default: off. With CURVE no ring socket is
   * bound (the coordinator forces the star reducer).
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
 * 5. Trainer.run(start step): the StepGate follows the coordinator's STEPs.
 * 6. Rank 0 sends the final weights (WEIGHTS); wait for SHUTDOWN.
 * On failure the worker sends a fatal ERROR with the reason, best effort.
 */
export async function runDistributedWorker(options: DistributedWorkerOptions): Promise<DistributedWorkerResult> {
  const env = options.env ?? process.env;
  const workerId = options.workerId ?? `${os.hostname()}-${process.pid}`;
  const connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
  const silenceTimeoutMs = options.silenceTimeoutMs ?? 120_000;
  const logger = createLogger({ format: options.logFormat, base: { worker: workerId } });
  const devices = visibleDevices(env);
  if (env.CUDA_VISIBLE_DEVICES !== undefined) logger.info({ devices }, `CUDA_VISIBLE_DEVICES=${env.CUDA_VISIBLE_DEVICES}`);

  const container = new Container();
  container.loadSync(dataModule, modelsModule, commModule, pipelineModule);
  const backend = await container.get<BackendSelector>(BackendSelector).select(options.backend ?? 'auto');
  logger.info({ backend: backend.name, reason: backend.reason }, `backend ${backend.name}: ${backend.reason}`);

  const coordinatorOnLoopback = isLoopbackEndpoint(options.connect);
  const ringBind = options.ringBind ?? (coordinatorOnLoopback ? 'tcp://127.0.0.1:*' : 'tcp://0.0.0.0:*');
  const advertiseHost = options.advertiseHost ?? (ringBind.startsWith('tcp://0.0.0.0:') ? defaultAdvertiseHost() : undefined);
  // With CURVE the job reduces through the coordinator (star): no plain-TCP ring socket is opened.
  const ring =
    options.curve === undefined
      ? await RingTransport.bind({
          bindEndpoint: ringBind,
          advertiseHost,
          onError: (error) => logger.warn({ ringRefused: true, code: (error as { code?: string }).code }, `refused a ring message: ${error.message}`),
        })
      : undefined;
  if (ring !== undefined) logger.info({ ringEndpoint: ring.endpoint }, `ring socket bound at ${ring.endpoint}`);
  const socket = WorkerSocket.connect({ endpoint: options.connect, workerId, sendTimeoutMs: Math.max(connectTimeoutMs, 10_000), curve: options.curve });
  let reducer: GradientReducer | undefined;
  let welcomed: WelcomeHeader | undefined;
  let session: WorkerSession | undefined;
  let model: GenerativeModel | undefined;
  try {
    const pipelineHash = options.pipelineFile === undefined ? null : pipelineFileHash(existingFile(options.pipelineFile));
    await socket.send({
      type: 'HELLO',
      generation: 0,
      step: 0,
      workerId,
      host: os.hostname(),
      pid: process.pid,
      backend: backend.name,
      devices,
      ringEndpoint: ring?.endpoint ?? null,
      pipelineHash,
    });
    logger.info(
      { coordinator: options.connect, ring: ring?.endpoint ?? null, curve: options.curve !== undefined },
      `connecting to the coordinator at ${options.connect}${options.curve === undefined ? '' : ` (CURVE, this worker's key ${options.curve.keyPair.publicKey})`}`,
    );
    const welcome = await awaitWelcome(socket, options.connect, connectTimeoutMs, silenceTimeoutMs, logger, options.curve !== undefined);
    welcomed = welcome;

    const definition = pipelineFor(welcome, options.pipelineFile);
    reducer = container.get<GradientReducerRegistry>(GradientReducerRegistry).create(
      welcome.reducer.name,
      { bucketBytes: welcome.reducer.bucketBytes, fp16: welcome.reducer.fp16 },
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

    // The Trainer's lines carry the rank and world size of this generation.
    const rankLogger = logger.child({ rank: welcome.rank, worldSize: welcome.worldSize }, { msgPrefix: `[rank ${welcome.rank}/${welcome.worldSize}] ` });
    container.loadSync(distributedWorkerModule({ definition, logger: rankLogger, session, reducer }));
    if (definition.spec.overrides !== undefined) container.loadSync(definition.spec.overrides);
    const images = await container.get<Dataset>(Dataset).load();
    logger.info({ dataset: images.name, count: images.count }, `dataset ${images.name}: ${images.count} images`);
    container.bind(TrainingImages).toConstantValue(images);
    model = container.get<GenerativeModel>(GenerativeModel);
    assertUniqueVariableNames(model.name, model.phases.flatMap((phase) => phase.variables));
    await session.ready();

    const summary = await container.get(Trainer).run(session.welcome.step);
    if (session.stoppedBecause === undefined && session.rank() === 0) {
      const weights = readModelWeights(model);
      await session.send(
        {
          type: 'WEIGHTS',
          generation: session.generation(),
          step: session.welcome.step + summary.steps,
          rank: 0,
          names: weights.map((w) => w.name),
          shapes: weights.map((w) => [...w.shape]),
        },
        { values: weights.map((w) => w.values) },
      );
    }
    const shutdownReason = await session.awaitShutdown();
    logger.info({ reason: shutdownReason }, `coordinator: ${shutdownReason}; exiting`);
    return { rank: session.rank(), worldSize: session.worldSize(), steps: summary.steps, shutdownReason };
  } catch (error) {
    const stoppedBecause = session?.stoppedBecause;
    if (session !== undefined && stoppedBecause !== undefined) {
      // SHUTDOWN arrived mid-step and aborted the reduction: a clean stop.
      logger.info({ reason: stoppedBecause }, `coordinator: ${stoppedBecause}; stopped mid-step, exiting`);
      return { rank: session.rank(), worldSize: session.worldSize(), steps: Math.max(0, session.stepsStarted - 1), shutdownReason: stoppedBecause };
    }
    if (welcomed !== undefined) await reportFailure(socket, session?.generation() ?? welcomed.generation, error);
    throw error;
  } finally {
    session?.close();
    model?.dispose();
    await reducer?.close();
    await ring?.close();
    await socket.close();
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
function pipelineFor(welcome: WelcomeHeader, localFile: string | undefined): PipelineDefinition {
  const file = localFile ?? welcome.pipeline.path;
  if (!fs.existsSync(file)) {
    throw new PipelineMismatchError(
      `The coordinator trains ${welcome.pipeline.path}, which does not exist on this machine (${os.hostname()}). ` +
        'Deploy the same code at the same path, or pass this machine\'s copy: `ganglion worker --connect ... <pipeline>`.',
    );
  }
  const hash = pipelineFileHash(file);
  if (hash !== welcome.pipeline.hash) {
    throw new PipelineMismatchError(
      `The pipeline file ${file} on this machine differs from the coordinator's ${welcome.pipeline.path} ` +
        `(sha256 ${hash.slice(0, 12)} here, ${welcome.pipeline.hash.slice(0, 12)} there). Deploy the same code on every machine.`,
    );
  }
  const loaded = loadPipelineFile(file);
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
