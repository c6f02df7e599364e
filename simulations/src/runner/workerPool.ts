import type { Worker } from 'node:worker_threads';
import type { RoundTask } from '@geofed/shared/federation/task';
import { batchRanges, combineEvaluations, type Evaluation, type EvaluationPart } from '@geofed/shared/models/evaluate';
import type { WeightList } from '@geofed/shared/tensor/weights';
import { siblingModule, startModuleWorker } from '@geofed/shared/runtime/tsRuntime';
import type { ClientOutcome, ClientPool } from '@geofed/coordinator/engine/clientPool';
import { outcomeOf } from './virtualClients.ts';
import type { FromWorker, ToWorker, WorkerSetup } from './workerProtocol.ts';

/**
 * Virtual clients spread over worker threads, each with its own TF.js instance (wasm runs single-threaded in
 * Node, so threads are how a simulation uses every core). Workers pull the next client when they finish one;
 * outcomes are yielded in selection order, so a round aggregates exactly as the sequential pool does.
 */
export class WorkerPool implements ClientPool {
  private constructor(
    private readonly workers: Worker[],
    private readonly ids: readonly string[],
    private readonly testRows: number,
    private readonly numClasses: number,
  ) {}

  static async start(setup: WorkerSetup, threads: number): Promise<WorkerPool> {
    const workers = Array.from({ length: threads }, () =>
      startModuleWorker(siblingModule('./simulationWorker', import.meta.url), { workerData: setup }),
    );
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once('error', reject);
            w.once('message', (m: FromWorker) => (m.type === 'ready' ? resolve() : reject(new Error('worker failed to start'))));
          }),
      ),
    );
    return new WorkerPool(workers, setup.clients.map((c) => c.id), setup.test.n, setup.numClasses);
  }

  available(): readonly string[] {
    return this.ids;
  }

  async *dispatch(task: RoundTask, clients: readonly string[]): AsyncIterable<ClientOutcome> {
    const results = new Map<number, ClientOutcome>();
    let nextJob = 0;
    let wake: (() => void) | undefined;
    let fatal: Error | undefined;

    const runWorker = (worker: Worker): Promise<void> =>
      new Promise((resolve) => {
        const onMessage = (m: FromWorker) => {
          if (m.type === 'done') results.set(m.job, outcomeOf(task, m.update));
          if (m.type === 'failed') results.set(m.job, { ok: false, clientId: m.clientId, reason: m.reason, bytesDown: 0 });
          wake?.();
          takeNext();
        };
        const onError = (e: Error) => {
          fatal = e;
          wake?.();
          resolve();
        };
        const takeNext = () => {
          if (nextJob >= clients.length) {
            worker.off('message', onMessage);
            worker.off('error', onError);
            resolve();
            return;
          }
          const job = nextJob++;
          const message: ToWorker = { type: 'train', task, clientId: clients[job]!, job };
          worker.postMessage(message);
        };
        worker.on('message', onMessage);
        worker.once('error', onError);
        takeNext();
      });

    const all = Promise.all(this.workers.map(runWorker));
    for (let job = 0; job < clients.length; job++) {
      while (!results.has(job)) {
        if (fatal) throw fatal;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      const outcome = results.get(job)!;
      results.delete(job);
      yield outcome;
    }
    await all;
  }

  /**
   * The model with `weights` evaluated on the test split, each worker taking a contiguous share of the batches
   * (between rounds the workers are idle, and one thread alone would leave the other cores waiting).
   */
  async evaluate(weights: WeightList, batchSize: number): Promise<Evaluation> {
    const ranges = batchRanges(this.testRows, batchSize, this.workers.length);
    const parts = await Promise.all(
      ranges.map(([fromRow, toRow], i) => evaluateOn(this.workers[i]!, { type: 'evaluate', weights, batchSize, fromRow, toRow })),
    );
    return combineEvaluations(parts, this.numClasses);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function evaluateOn(worker: Worker, message: Extract<ToWorker, { type: 'evaluate' }>): Promise<EvaluationPart> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromWorker) => {
      if (m.type !== 'evaluated' && m.type !== 'evaluationFailed') return;
      worker.off('message', onMessage);
      worker.off('error', onError);
      if (m.type === 'evaluated') resolve(m.part);
      else reject(new Error(`evaluation on a worker thread failed: ${m.reason}`));
    };
    const onError = (e: Error) => {
      worker.off('message', onMessage);
      reject(e);
    };
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.postMessage(message);
  });
}
