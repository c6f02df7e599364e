import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The coordinator's Prometheus metrics (served at /metrics), in a registry of its own plus process defaults. */
export interface CoordinatorMetrics {
  readonly registry: Registry;
  readonly roundsCompleted: Gauge;
  readonly clientsConnected: Gauge;
  readonly roundSeconds: Histogram;
  readonly updates: Counter<'result'>;
  readonly rejected: Counter<'code'>;
  readonly bytesReceived: Counter;
  readonly bytesSent: Counter;
  readonly testAccuracy: Gauge;
  readonly testLoss: Gauge;
  readonly uploadBudgetBytes: Gauge;
}

export function createMetrics(): CoordinatorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    roundsCompleted: new Gauge({ name: 'geofed_rounds_completed', help: 'Last completed round', registers }),
    clientsConnected: new Gauge({ name: 'geofed_clients_connected', help: 'Authenticated clients connected now', registers }),
    roundSeconds: new Histogram({
      name: 'geofed_round_duration_seconds',
      help: 'Wall time of a round, from task to evaluation',
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
      registers,
    }),
    updates: new Counter({ name: 'geofed_client_results_total', help: 'Selected clients by outcome', labelNames: ['result'], registers }),
    rejected: new Counter({ name: 'geofed_messages_rejected_total', help: 'Messages refused, by reject code', labelNames: ['code'], registers }),
    bytesReceived: new Counter({ name: 'geofed_bytes_received_total', help: 'Frame bytes received from clients', registers }),
    bytesSent: new Counter({ name: 'geofed_bytes_sent_total', help: 'Frame bytes sent to clients', registers }),
    testAccuracy: new Gauge({ name: 'geofed_test_accuracy', help: 'Global model accuracy on the test split after the last round', registers }),
    testLoss: new Gauge({ name: 'geofed_test_loss', help: 'Global model loss on the test split after the last round', registers }),
    uploadBudgetBytes: new Gauge({ name: 'geofed_upload_budget_bytes_in_use', help: 'Upload bytes held now', registers }),
  };
}
