import type { Logger } from '@ganglion/pipeline';
import type { DashboardRunInfo } from './dashboard-state';
import { DashboardServer, isLoopbackHost } from './dashboard-server';

/** Where the dashboard listens (`--dashboard`, `--dashboard-port`, `--dashboard-host`). */
export interface DashboardListenOptions {
  /** Interface to bind. Default 127.0.0.1; anything beyond loopback is logged as a warning (the page has no login). */
  readonly host?: string;
  /** TCP port. Default 6006; 0 picks a free one. */
  readonly port?: number;
}

/**
 * Starts the live dashboard for `run` and logs its URL; resolves to
 * undefined when `listen` is undefined (no --dashboard). The caller
 * passes the server as the Coordinator's `events` and closes it when the
 * run ends.
 */
export async function openDashboard(listen: DashboardListenOptions | undefined, run: DashboardRunInfo, logger: Logger): Promise<DashboardServer | undefined> {
  if (listen === undefined) return undefined;
  const server = new DashboardServer({ run, host: listen.host, port: listen.port });
  if (!isLoopbackHost(server.host)) {
    logger.warn(
      { host: server.host },
      `the dashboard binds ${server.host}, beyond loopback: it has no login, so anyone who can reach the port sees the run (losses, hosts, samples). ` +
        'Use a trusted network, or keep the default 127.0.0.1 and forward the port (ssh -L 6006:127.0.0.1:6006 <host>).',
    );
  }
  const url = await server.listen();
  logger.info({ dashboard: url }, `dashboard at ${url}`);
  return server;
}
