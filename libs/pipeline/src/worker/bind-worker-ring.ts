import { type CurveClientOptions, isLoopbackEndpoint, isZ85Key, RingTransport, unencryptedBindWarning } from '@ganglion/comm';
import type { Logger } from '../logger';

export interface WorkerRingOptions {
  /** Where the ring PULL binds, e.g. `tcp://0.0.0.0:*`. */
  readonly bindEndpoint: string;
  /** Host announced in the ring endpoint in place of the bound address. */
  readonly advertiseHost?: string;
  /**
   * The worker's CURVE settings towards the coordinator. When set, the
   * ring is CURVE with the same key pair: the PULL admits only the keys
   * WELCOME.peerKeys names. Without it the ring is plain TCP, and binding
   * beyond loopback logs a prominent warning.
   */
  readonly curve?: CurveClientOptions;
  readonly logger: Logger;
}

/**
 * Binds a worker's ring socket (before HELLO, which announces it) and logs
 * what a reader needs: where it is bound, whether it is encrypted, and
 * every refused message or connection.
 */
export async function bindWorkerRing(options: WorkerRingOptions): Promise<RingTransport> {
  const { logger, curve } = options;
  const ring = await RingTransport.bind({
    bindEndpoint: options.bindEndpoint,
    advertiseHost: options.advertiseHost,
    onError: (error) => logger.warn({ ringRefused: true, code: (error as { code?: string }).code }, `refused a ring message: ${error.message}`),
    curve:
      curve === undefined
        ? undefined
        : {
            keyPair: curve.keyPair,
            onRefused: (key, address) =>
              logger.warn(
                { ringRefused: true, key, address },
                isZ85Key(key)
                  ? `refused a ring connection from ${address}: its CURVE key ${key} is not among this job's members (nothing it sent gets through)`
                  : `refused a ring connection at ${address}: ${key}`,
              ),
          },
  });
  logger.info({ ringEndpoint: ring.endpoint, curve: curve !== undefined }, `ring socket bound at ${ring.endpoint}${curve === undefined ? '' : ' (CURVE: only the job\'s members get in)'}`);
  if (curve === undefined && !isLoopbackEndpoint(options.bindEndpoint)) {
    logger.warn({ ringBind: options.bindEndpoint }, unencryptedBindWarning(options.bindEndpoint, 'ring'));
  }
  return ring;
}
