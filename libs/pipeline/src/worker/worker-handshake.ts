import * as fs from 'node:fs';
import * as os from 'node:os';
import { WaitTimeoutError, type WelcomeHeader, isEnvelopeOf } from '@ganglion/comm';
import type { Logger } from '../logger';
import type { PipelineDefinition, PipelineSettings } from '../pipeline-definition';
import { loadPipelineFile, pipelineFileHash } from '../pipeline-file';
import { pipelineHashWith, type SetOverride } from '../set-overrides';
import type { CoordinatorChannel } from './coordinator-channel';

/** What every HELLO says of this worker (the host, pid and pipeline hash the handshake adds itself). */
export interface WorkerIdentity {
  /** Stable id (the DEALER routing id). */
  readonly workerId: string;
  /** The compute backend chosen, e.g. `tensorflow` or `webgpu`. */
  readonly backend: string;
  /** The devices it trains on (`cuda:0`, `webgpu:0 ...`), or none. */
  readonly devices: readonly string[];
  /** Where this worker's ring socket listens, or null without one. */
  readonly ringEndpoint: string | null;
  /** This worker's CURVE public key, when it talks CURVE. */
  readonly curvePublicKey?: string;
}

export interface WorkerHandshakeOptions {
  readonly identity: WorkerIdentity;
  /**
   * This machine's copy of the pipeline file: its hash (with `sets`) goes
   * in the HELLO. Without it the HELLO's hash is null and the file at the
   * WELCOME's path is loaded (and checked).
   */
  readonly pipelineFile?: string;
  /** `--set` overrides this worker was started with: part of the pipeline hash. */
  readonly sets: readonly SetOverride[];
  /** Give up when the coordinator has not answered the first HELLO within this many ms. */
  readonly connectTimeoutMs: number;
  /** The coordinator counts as gone when silent this long. */
  readonly silenceTimeoutMs: number;
  readonly logger: Logger;
}

/** No coordinator answered, or it refused this worker. */
export class WorkerConnectError extends Error {
  override readonly name = 'WorkerConnectError';
}

/** This worker's copy of the pipeline differs from the coordinator's, or it has none at the path the coordinator names. */
export class PipelineMismatchError extends Error {
  override readonly name = 'PipelineMismatchError';
}

/**
 * A worker's admission to a job, the one place a HELLO is built:
 * - join(): the first HELLO (who this worker is, its ring endpoint, its
 *   pipeline hash); wait for the WELCOME, turning an ERROR (a refusal),
 *   a SHUTDOWN or silence into a WorkerConnectError that says what to do.
 * - pipeline(): the pipeline the WELCOME names, checked against this
 *   machine's copy (PipelineMismatchError), with the coordinator's settings.
 * - awaitCoordinatorBack(): after the coordinator was lost, HELLO every
 *   2 s until a restarted one WELCOMEs this worker (WorkerSession.rejoin).
 * - reportFailure(): the fatal ERROR a worker that was admitted leaves with.
 */
export class WorkerHandshake {
  private pipelineHash: string | null | undefined;

  constructor(
    readonly channel: CoordinatorChannel,
    private readonly options: WorkerHandshakeOptions,
  ) {}

  get silenceTimeoutMs(): number {
    return this.options.silenceTimeoutMs;
  }

  /** Says HELLO for `generation` (0 on joining; the last one known on rejoining). */
  hello(generation: number): Promise<void> {
    const { workerId, backend, devices, ringEndpoint, curvePublicKey } = this.options.identity;
    return this.channel.send({
      type: 'HELLO',
      generation,
      step: 0,
      workerId,
      host: os.hostname(),
      pid: process.pid,
      backend,
      devices: [...devices],
      ringEndpoint,
      pipelineHash: this.localPipelineHash(),
      ...(curvePublicKey === undefined ? {} : { curvePublicKey }),
    });
  }

  /** The first HELLO, then the coordinator's WELCOME (other messages before it mean: waiting for the other workers). */
  async join(): Promise<WelcomeHeader> {
    const { endpoint } = this.channel;
    const { identity, logger } = this.options;
    try {
      await this.hello(0);
    } catch (error) {
      // A DEALER queues a message only while it has a connection or an attempt under way; one whose CURVE key the
      // coordinator refused may have none between its retries, and the HELLO then times out (EAGAIN) rather than wait.
      if ((error as { code?: string }).code === 'EAGAIN') throw new WorkerConnectError(this.unansweredMessage(), { cause: error });
      throw error;
    }
    logger.info(
      { coordinator: endpoint, ring: identity.ringEndpoint, curve: identity.curvePublicKey !== undefined },
      `connecting to the coordinator at ${endpoint}${identity.curvePublicKey === undefined ? '' : ` (CURVE, this worker's key ${identity.curvePublicKey})`}`,
    );
    let heard = false;
    for (;;) {
      let received;
      try {
        received = await this.channel.receive({ timeoutMs: heard ? this.options.silenceTimeoutMs : this.options.connectTimeoutMs });
      } catch (error) {
        if (!(error instanceof WaitTimeoutError)) throw error;
        throw new WorkerConnectError(heard ? this.silentMessage() : this.unansweredMessage());
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

  /** The pipeline this worker trains: its own copy of the file, checked against the WELCOME's hash, with the coordinator's settings. */
  pipeline(welcome: WelcomeHeader): PipelineDefinition {
    const { sets } = this.options;
    const file = this.options.pipelineFile ?? welcome.pipeline.path;
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

  /**
   * After the coordinator was lost: HELLO (for `generation`) every 2 s
   * until `welcomed()` (the session took a new coordinator's WELCOME), or
   * `waitMs` passed. A refusal (fatal ERROR) stays queued: the session
   * throws it once it reads on.
   */
  async awaitCoordinatorBack(welcomed: () => boolean, generation: number, waitMs: number): Promise<void> {
    const { endpoint } = this.channel;
    const { logger } = this.options;
    logger.warn({ coordinator: endpoint, waitMs }, `waiting up to ${Math.round(waitMs / 1000)} s for a coordinator at ${endpoint} to come back (--wait-for-coordinator)`);
    const deadline = Date.now() + waitMs;
    let lastHello = 0;
    while (!welcomed()) {
      if (Date.now() >= deadline) {
        throw new WorkerConnectError(
          `No coordinator came back at ${endpoint} within ${Math.round(waitMs / 1000)} s (--wait-for-coordinator). Restart it with \`ganglion coordinator ... --resume\` and start this worker again.`,
        );
      }
      if (Date.now() - lastHello >= 2000) {
        lastHello = Date.now();
        // Queued until a coordinator is there; one that cannot even be queued is retried.
        await this.hello(generation).catch((error: unknown) => logger.debug({ error: (error as Error).message }, 'HELLO not sent yet'));
      }
      // Only watch: the WELCOME is routed to the session, and what follows it (the STATE) must stay queued for the session.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Tells the coordinator, which admitted this worker (in `generation`), why it is leaving (best effort). */
  async reportFailure(generation: number, error: unknown): Promise<void> {
    if (this.channel.closed === true) return;
    const code = error instanceof PipelineMismatchError ? 'pipeline-mismatch' : 'worker-failed';
    const reason = error instanceof Error ? error.message : String(error);
    try {
      await Promise.race([
        this.channel.send({ type: 'ERROR', generation, step: 0, code, reason, fatal: true }),
        new Promise((resolve) => setTimeout(resolve, 2000)),
      ]);
      // linger is 0: give the I/O thread a moment to put the ERROR on the wire before the socket closes.
      await new Promise((resolve) => setTimeout(resolve, 100));
    } catch {
      // The coordinator is gone; the error is reported locally anyway.
    }
  }

  /** The HELLO's pipeline hash: this machine's file with its --set flags, or null without a file (computed once). */
  private localPipelineHash(): string | null {
    if (this.pipelineHash === undefined) {
      const file = this.options.pipelineFile;
      if (file !== undefined && !fs.existsSync(file)) {
        throw new WorkerConnectError(`Pipeline file ${file} does not exist. Pass the same pipeline file the coordinator trains, or leave it out to use the coordinator's path.`);
      }
      this.pipelineHash = file === undefined ? null : pipelineHashWith(pipelineFileHash(file), this.options.sets);
    }
    return this.pipelineHash;
  }

  private silentMessage(): string {
    return `The coordinator at ${this.channel.endpoint} went silent for ${Math.round(this.options.silenceTimeoutMs / 1000)} s before the job started; it stopped or the network failed.`;
  }

  private unansweredMessage(): string {
    const { endpoint } = this.channel;
    const seconds = Math.round(this.options.connectTimeoutMs / 1000);
    return this.options.identity.curvePublicKey !== undefined
      ? `No coordinator answered at ${endpoint} within ${seconds} s. With CURVE this usually means the coordinator refused this worker's key ` +
          `(its public key is not on the coordinator's --allow list; the coordinator logs "refused a worker") or --coordinator-key is not the coordinator's public key, ` +
          `or the coordinator runs without CURVE. Otherwise: start the coordinator first, check the host and port given to --connect, or raise --connect-timeout.`
      : `No coordinator answered at ${endpoint} within ${seconds} s. Start it first (\`ganglion coordinator <pipeline> --bind ...\` or \`ganglion launch\`), check the host and port given to --connect, or raise --connect-timeout.`;
  }
}
