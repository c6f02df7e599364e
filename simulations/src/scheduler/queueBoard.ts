import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express from 'express';
import { GeoFedError } from '@geofed/shared/errors';
import type { SimulationQueue } from './schedulerQueue.ts';

export interface QueueBoard {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * `geofed jobs ui`: Bull Board (the maintained web board for BullMQ) over the sweep queue. It shows the jobs by
 * state (waiting, active, completed, failed), their attempts, log lines (one per round, written by the workers)
 * and results, and can retry failed or completed jobs and remove queued ones. A running job cannot be removed
 * (BullMQ locks it): `geofed jobs cancel <sweep>` stops those.
 */
export async function startQueueBoard(queue: SimulationQueue, port: number, host: string): Promise<QueueBoard> {
  const adapter = new ExpressAdapter();
  adapter.setBasePath('/');
  createBullBoard({
    queues: [new BullMQAdapter(queue, { allowRetries: true, description: 'GeoFed simulation runs; job ids are <sweep>.<run key>' })],
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'GeoFed sweeps' } },
  });
  const app = express();
  app.use('/', adapter.getRouter());
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, (e?: Error) => (e ? reject(e) : resolve(s)));
  }).catch((e: NodeJS.ErrnoException) => {
    throw new GeoFedError(`the queue board cannot listen on ${host}:${port}: ${e.code ?? e.message}`, { remedy: 'pass another --port' });
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}/`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
