import type { RoundTask } from '@geofed/shared/federation/task';
import type { EdgeWorker } from './session.ts';

/** Sends the task's weights straight back: measures transport alone (no model, no data, no TensorFlow.js). */
export function echoWorker(clientId: string, numSamples = 1): EdgeWorker {
  return {
    model: () => undefined,
    run: (task: RoundTask) => Promise.resolve({ clientId, numSamples, weights: task.weights, localSteps: 0, metrics: {} }),
  };
}
