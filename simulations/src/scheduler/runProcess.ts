import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { UnrecoverableError } from 'bullmq';
import { execArgvFor, siblingModule } from '@geofed/shared/runtime/tsRuntime';
import type { SimulationConfig } from '../config/simulationConfig.ts';
import type { SimulationResult } from '../report/result.ts';
import type { RunProgress } from './jobData.ts';

/** Messages from the run process (runProcessEntry.ts) to the worker. */
export type FromRunProcess =
  | { type: 'round'; progress: RunProgress }
  | { type: 'result'; result: SimulationResult }
  /** `unrecoverable`: a problem with the run itself (bad config, missing data) that a retry would only repeat. */
  | { type: 'failed'; message: string; unrecoverable: boolean };

export interface RunProcessHooks {
  onRound(progress: RunProgress): void;
  /** Aborting kills the run process at once and fails the run without retries. */
  signal: AbortSignal;
}

/**
 * Runs one simulation in a child process of its own. The worker keeps only Redis work (lock renewal, progress),
 * so a busy TF.js never delays it, and it can stop a run at any moment by killing the process: a run seldom lets
 * its event loop turn, so a message asking it to stop would go unread until the run ended.
 */
/** The run writes its trained weights into `outDir`; the result comes back as a message. */
export function runInChildProcess(config: SimulationConfig, outDir: string, hooks: RunProcessHooks): Promise<SimulationResult> {
  return new Promise((resolve, reject) => {
    const entry = siblingModule('./runProcessEntry', import.meta.url);
    const child = fork(fileURLToPath(entry), [], {
      execArgv: execArgvFor(entry),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let outcome: Exclude<FromRunProcess, { type: 'round' }> | undefined;
    const kill = () => child.kill('SIGKILL');
    hooks.signal.addEventListener('abort', kill, { once: true });
    child.on('message', (message: FromRunProcess) => {
      if (message.type === 'round') hooks.onRound(message.progress);
      else outcome = message;
    });
    child.once('error', (e) => {
      hooks.signal.removeEventListener('abort', kill);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      hooks.signal.removeEventListener('abort', kill);
      if (outcome?.type === 'result') resolve(outcome.result);
      else if (hooks.signal.aborted) reject(new UnrecoverableError(`run stopped: ${String(hooks.signal.reason)}`));
      else if (outcome?.type === 'failed') reject(outcome.unrecoverable ? new UnrecoverableError(outcome.message) : new Error(outcome.message));
      else reject(new Error(`the run process died (${signal ?? `exit code ${code}`})`));
    });
    child.send({ config, outDir });
  });
}
