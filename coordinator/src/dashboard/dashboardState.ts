import { planeView, type PlaneClass } from '@geofed/shared/geometry/planeView';
import type { GeometrySnapshot } from '@geofed/shared/geometry/snapshot';
import type { ClientRecord, PoolObserver } from './poolObserver.ts';

/** A completed round as the curves need it (the coordinator's RoundSummary and a simulation's RoundRecord both fit). */
export interface RoundPoint {
  readonly round: number;
  readonly testAccuracy: number;
  readonly testLoss: number;
  readonly trainLoss: number;
  readonly seconds: number;
}

/** A client connected to a coordinator right now (simulations have none). */
export interface Connection {
  readonly id: string;
  readonly state: string;
  readonly round?: number;
  readonly lastSeenMs: number;
}

/** Everything the dashboard page draws, pushed to it whole whenever it changes. */
export interface DashboardState {
  readonly title: string;
  readonly state: 'waiting' | 'running' | 'finished';
  readonly round: number;
  readonly rounds: number;
  readonly history: readonly RoundPoint[];
  readonly clients: ReadonlyArray<ClientRecord & { connection: Connection | null }>;
  readonly classNames: readonly string[];
  readonly geometry: { round: number; classes: PlaneClass[] } | null;
  readonly config: unknown;
}

export interface RunView {
  readonly title: string;
  readonly state: DashboardState['state'];
  readonly round: number;
  readonly rounds: number;
  readonly history: readonly RoundPoint[];
  readonly classNames: readonly string[];
  readonly config: unknown;
  readonly connected?: readonly Connection[];
}

/** The projection costs an eigen-decomposition of the embedding dimension: once per snapshot, not per push. */
const planes = new WeakMap<GeometrySnapshot, PlaneClass[]>();
function cachedPlaneView(snapshot: GeometrySnapshot): PlaneClass[] {
  let view = planes.get(snapshot);
  if (view === undefined) {
    view = planeView(snapshot);
    planes.set(snapshot, view);
  }
  return view;
}

const SECRET_KEY = /secret|token|password/i;

/** The config with every value under a key that names a secret replaced, so the page can show the rest. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? '(hidden)' : redactSecrets(v)]));
}

/** Joins a run's own view (rounds, connections) with what the pool observer saw into the page's state. */
export function dashboardState(run: RunView, observer: PoolObserver): DashboardState {
  const connections = new Map((run.connected ?? []).map((c) => [c.id, c]));
  const records = observer.records;
  const known = new Set(records.map((r) => r.id));
  // A client that joined but was never selected yet still belongs in the table.
  const fresh = [...connections.keys()].filter((id) => !known.has(id));
  const empty = (id: string): ClientRecord => ({
    id, selected: 0, accepted: 0, refused: 0, lastRefusal: null, samples: 0, bytesUp: 0, bytesDown: 0, lastRound: 0, classCounts: null,
  });
  const geometry = observer.latestGeometry;
  return {
    title: run.title,
    state: run.state,
    round: run.round,
    rounds: run.rounds,
    history: run.history.map(({ round, testAccuracy, testLoss, trainLoss, seconds }) => ({ round, testAccuracy, testLoss, trainLoss, seconds })),
    clients: [...records, ...fresh.map(empty)]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((r) => ({ ...r, connection: connections.get(r.id) ?? null })),
    classNames: run.classNames,
    geometry: geometry && geometry.classes.length >= 2 ? { round: geometry.round, classes: cachedPlaneView(geometry) } : null,
    config: redactSecrets(run.config),
  };
}
