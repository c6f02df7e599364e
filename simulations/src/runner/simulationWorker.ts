import { parentPort, workerData } from 'node:worker_threads';
import { runRoundTask } from '@geofed/client/runTask';
import { evaluateRows } from '@geofed/shared/models/evaluate';
import { buildModel } from '@geofed/shared/models/geoModel';
import { initBackend } from '@geofed/shared/tf/backend';
import { clientData } from './virtualClients.ts';
import type { FromWorker, ToWorker, WorkerSetup } from './workerProtocol.ts';

/** One simulation worker thread: its own TF.js instance and model, training whichever client it is handed. */
const setup = workerData as WorkerSetup;
const port = parentPort!;
const info = await initBackend(setup.backend);
const model = buildModel(setup.model, { inputShape: setup.inputShape, numClasses: setup.numClasses }, setup.modelSeed, setup.head);
const clients = new Map(setup.clients.map((c) => [c.id, c]));

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

async function handle(message: ToWorker): Promise<void> {
  if (message.type === 'evaluate') {
    try {
      model.setWeights(message.weights);
      send({ type: 'evaluated', part: evaluateRows(model, setup.test, message.batchSize, message.fromRow, message.toRow) });
    } catch (e) {
      send({ type: 'evaluationFailed', reason: (e as Error).message });
    }
    return;
  }
  const client = clients.get(message.clientId);
  try {
    if (!client) throw new Error(`unknown client ${message.clientId}`);
    const update = await runRoundTask(model, clientData(setup.split, setup.inputShape, client), client.id, message.task);
    send({ type: 'done', job: message.job, update }, update.weights.map((w) => w.buffer as ArrayBuffer));
  } catch (e) {
    send({ type: 'failed', job: message.job, clientId: message.clientId, reason: (e as Error).message });
  }
}

// Messages arrive one at a time per worker (the pool waits for each answer), so handling them in order is enough.
let queue = Promise.resolve();
port.on('message', (message: ToWorker) => {
  queue = queue.then(() => handle(message));
});
send({ type: 'ready', backend: info.name });
