import * as os from 'node:os';
import {
  type CurveClientOptions,
  type GradientReducer,
  type RingTransport,
  type WelcomeHeader,
  WorkerSocket,
  commModule,
  defaultAdvertiseHost,
  GradientReducerRegistry,
  isLoopbackEndpoint,
  missingFrameMallocTunables,
} from '@ganglion/comm';
import { Dataset } from '@ganglion/data';
import { assertUniqueVariableNames, GenerativeModel, type RequestedBackend } from '@ganglion/models';
import { gpuRequestWarning } from '../gpu-request-warning';
import { createLogger } from '../logger';
import type { SetOverride } from '../set-overrides';
import { Trainer, TrainingImages } from '../trainer';
import { createTrainingContainer, loadRunModules, selectTrainingBackend } from '../training-container';
import { bindWorkerRing } from './bind-worker-ring';
import { distributedWorkerModule } from './distributed-worker-module';
import { RemoteCheckpointStore } from './remote-checkpoint-store';
import { StepProgress } from './step-progress';
import { StepReporter } from './step-reporter';
import { WorkerHandshake } from './worker-handshake';
import { CoordinatorLostError, WorkerSession } from './worker-session';
import { WorkerTraining } from './worker-training';

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

/**
 * `ganglion worker`: one worker process of a data-parallel job. A
 * composition root like trainInProcess, with the Trainer's seams rebound
 * for data parallelism (distributedWorkerModule).
 *
 * 1. Choose the compute backend; bind the ring socket.
 * 2. The handshake (WorkerHandshake.join): HELLO to the coordinator
 *    (worker id, host, pid, backend, devices, ring endpoint, pipeline hash
 *    or null); wait for WELCOME (an ERROR, e.g. a pipeline hash mismatch,
 *    ends the worker with its reason).
 * 3. Load the pipeline file and check its hash against the WELCOME's
 *    (WorkerHandshake.pipeline); the resolved settings come from the
 *    WELCOME (command-line overrides included), so every rank trains the
 *    same thing.
 * 4. Create the reducer the WELCOME names; load the dataset; build the
 *    model; tell the coordinator it is ready.
 * 5-7. WorkerTraining.run: sync the job's state as the WELCOME says,
 *    Trainer.run (the StepGate follows the coordinator's STEPs; rank 0's
 *    CheckpointStore sends STATE at checkpoint steps), through membership
 *    changes and a lost coordinator (WorkerSession.rejoin); rank 0 sends
 *    the final weights (WEIGHTS).
 * 8. Wait for SHUTDOWN.
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
  const noGpu = gpuRequestWarning(env, backend);
  if (noGpu !== undefined) logger.warn({ gpu: env.CUDA_VISIBLE_DEVICES ?? env.GANGLION_GPU, backend: backend.name }, noGpu);
  const malloc = missingFrameMallocTunables(env);
  if (malloc.missing.length > 0) logger.warn({ glibcTunables: malloc.missing }, malloc.advice);

  const coordinatorOnLoopback = isLoopbackEndpoint(options.connect);
  const ringBind = options.ringBind ?? (coordinatorOnLoopback ? 'tcp://127.0.0.1:*' : 'tcp://0.0.0.0:*');
  const advertiseHost = options.advertiseHost ?? (ringBind.startsWith('tcp://0.0.0.0:') ? defaultAdvertiseHost() : undefined);
  // With CURVE the ring is CURVE too, with this worker's key pair (bindWorkerRing).
  const ring: RingTransport | undefined = await bindWorkerRing({ bindEndpoint: ringBind, advertiseHost, curve: options.curve, logger });
  const socket = WorkerSocket.connect({ endpoint: options.connect, workerId, sendTimeoutMs: Math.max(connectTimeoutMs, 10_000), curve: options.curve });
  const handshake = new WorkerHandshake(socket, {
    identity: {
      workerId,
      backend: backend.name,
      devices,
      ringEndpoint: ring?.endpoint ?? null,
      ...(options.curve === undefined ? {} : { curvePublicKey: options.curve.keyPair.publicKey }),
    },
    ...(options.pipelineFile === undefined ? {} : { pipelineFile: options.pipelineFile }),
    sets: options.sets ?? [],
    connectTimeoutMs,
    silenceTimeoutMs,
    logger,
  });
  let reducer: GradientReducer | undefined;
  let welcomed: WelcomeHeader | undefined;
  let session: WorkerSession | undefined;
  let model: GenerativeModel | undefined;
  try {
    const welcome = await handshake.join();
    welcomed = welcome;

    const definition = handshake.pipeline(welcome);
    reducer = container.get<GradientReducerRegistry>(GradientReducerRegistry).create(
      welcome.reducer.name,
      { bucketBytes: welcome.reducer.bucketBytes, fp16: welcome.reducer.fp16, timeoutMs: welcome.reducer.timeoutMs },
      { workerSocket: socket, ringTransport: ring },
    );
    if (welcome.reducer.name !== 'ring') await ring?.close();
    session = new WorkerSession(handshake, reducer, welcome, logger);
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

    const training = new WorkerTraining({
      session,
      model,
      trainer: container.get(Trainer),
      progress: container.get(StepProgress),
      states: container.get(RemoteCheckpointStore),
      reporter: container.get(StepReporter),
      logger,
      endpoint: options.connect,
      ...(options.waitForCoordinatorMs === undefined ? {} : { waitForCoordinatorMs: options.waitForCoordinatorMs }),
    });
    const steps = await training.run(welcome, definition.settings.steps);
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
    if (welcomed !== undefined && !(error instanceof CoordinatorLostError)) await handshake.reportFailure(session?.generation() ?? welcomed.generation, error);
    throw error;
  } finally {
    session?.close();
    model?.dispose();
    await reducer?.close();
    await ring?.close();
    await socket.close();
  }
}

function visibleDevices(env: NodeJS.ProcessEnv): string[] {
  const visible = env.CUDA_VISIBLE_DEVICES;
  if (visible === undefined || visible.trim() === '') return [];
  return visible.split(',').map((id) => `cuda:${id.trim()}`);
}

function formatBytes(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(bytes % (1 << 20) === 0 ? 0 : 1)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}
