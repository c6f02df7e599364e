import { classCounts } from '@geofed/shared/data/dataset';
import { logger } from '@geofed/shared/log';
import { DashboardFeed } from '@geofed/coordinator/dashboard/dashboardFeed';
import { dashboardState, type RoundPoint } from '@geofed/coordinator/dashboard/dashboardState';
import { startDashboardServer, type DashboardServer } from '@geofed/coordinator/dashboard/dashboardServer';
import { PoolObserver } from '@geofed/coordinator/dashboard/poolObserver';
import type { SimulationConfig } from '../config/simulationConfig.ts';
import type { SimulationHooks } from '../runner/simulation.ts';

/**
 * `geofed simulate --dashboard`: the coordinator's live page for a simulation, on loopback. The virtual clients'
 * class mix comes from the partition; rounds, verdicts, bytes and the geometry from the engine's pool seam.
 */
export async function simulationDashboard(
  config: SimulationConfig,
  port: number,
): Promise<{ url: string; hooks: Required<Pick<SimulationHooks, 'observePool' | 'onReady'>> & { onRound(record: RoundPoint): void }; finish(): void; close(): Promise<void> }> {
  const observer = new PoolObserver();
  const history: RoundPoint[] = [];
  let classNames: readonly string[] = [];
  let title = `simulation: ${config.method.name} (${config.strategy.name})`;
  let state: 'waiting' | 'running' | 'finished' = 'waiting';
  const feed = new DashboardFeed(() =>
    dashboardState({ title, state, round: history.length, rounds: config.rounds, history, classNames, config }, observer),
  );
  const server: DashboardServer = await startDashboardServer(feed, port, '127.0.0.1', logger('dashboard'));
  return {
    url: server.url,
    hooks: {
      observePool: (pool) => observer.observe(pool),
      onReady: ({ dataset, clients }) => {
        classNames = dataset.classNames;
        title = `${title} on ${dataset.name}`;
        for (const c of clients) observer.setClassCounts(c.id, classCounts(dataset.train.y, dataset.numClasses, c.indices));
        state = 'running';
        feed.push();
      },
      onRound: (record) => {
        history.push(record);
        feed.push();
      },
    },
    finish: () => {
      state = 'finished';
      feed.push();
    },
    close: () => server.close(),
  };
}
