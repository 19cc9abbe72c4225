import type { Logger } from '@ganglion/pipeline';
import type { DashboardRunInfo } from './dashboard-state';
import { openDashboard } from './open-dashboard';

const RUN: DashboardRunInfo = { pipeline: 'fashion-vae', steps: 10, startStep: 0, reducer: 'ring', batchSize: 8, workers: 2, runFolder: '/tmp/run' };

function recordingLogger(): { logger: Logger; lines: Array<[string, string]> } {
  const lines: Array<[string, string]> = [];
  const logger = {
    info: (_fields: unknown, message: string) => lines.push(['info', message]),
    warn: (_fields: unknown, message: string) => lines.push(['warn', message]),
  } as unknown as Logger;
  return { logger, lines };
}

describe('openDashboard', () => {
  it('starts nothing without listen options', async () => {
    const { logger, lines } = recordingLogger();
    expect(await openDashboard(undefined, RUN, logger)).toBeUndefined();
    expect(lines).toEqual([]);
  });

  it('logs the URL of a loopback dashboard with no warning', async () => {
    const { logger, lines } = recordingLogger();
    const server = await openDashboard({ port: 0 }, RUN, logger);
    try {
      expect(lines).toEqual([['info', `dashboard at ${server?.url}`]]);
    } finally {
      await server?.close();
    }
  });

  it('warns before binding beyond loopback: the page has no login', async () => {
    const { logger, lines } = recordingLogger();
    const server = await openDashboard({ host: '0.0.0.0', port: 0 }, RUN, logger);
    try {
      expect(lines.map(([level]) => level)).toEqual(['warn', 'info']);
      expect(lines[0][1]).toMatch(/binds 0\.0\.0\.0, beyond loopback: it has no login.*ssh -L 6006:127\.0\.0\.1:6006/);
      expect(lines[1][1]).toMatch(/^dashboard at http:\/\/0\.0\.0\.0:\d+\/$/);
    } finally {
      await server?.close();
    }
  });
});
