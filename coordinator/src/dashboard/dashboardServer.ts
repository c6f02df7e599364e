import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GeoFedError } from '@geofed/shared/errors';
import type { Logger } from '@geofed/shared/log';
import { requestHandler } from '../server/http.ts';
import type { DashboardFeed } from './dashboardFeed.ts';

export interface DashboardServer {
  readonly url: string;
  close(): Promise<void>;
}

/** The dashboard on its own port, for runs without a coordinator (`geofed simulate --dashboard`). */
export async function startDashboardServer(feed: DashboardFeed, port: number, host: string, log: Logger): Promise<DashboardServer> {
  const server = createServer(requestHandler([feed.route()], log));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new GeoFedError(`the dashboard cannot listen on ${host}:${port}: ${e.code ?? e.message}`, { remedy: 'pass another port: --dashboard PORT' })),
    );
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}/`,
    async close() {
      feed.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
