import { mkdirSync } from 'node:fs';
import { cpus, platform } from 'node:os';
import { join } from 'node:path';
import type { RoundRecord } from '@geofed/coordinator/engine/roundEngine';
import type { RunReport } from '@geofed/coordinator/federation/runReport';
import { writeFileAtomic } from '@geofed/shared/io/atomicWrite';
import type { RepresentationQuality } from '@geofed/shared/representation/quality';
import { GEOFED_VERSION } from '@geofed/shared/version';
import type { SimulationRun } from '../runner/simulation.ts';

/** One entry of `result.json`'s `rounds`: the contract other tools read. */
export interface RoundEntry {
  round: number;
  testAccuracy: number;
  testLoss: number;
  trainLoss: number;
  /** Number of client updates aggregated this round. */
  clients: number;
  failed: number;
  bytesUp: number;
  bytesDown: number;
  seconds: number;
  [extra: string]: unknown;
}

/** What result.json is built from: a simulation's run, or a networked coordinator's report (no local partition). */
export type ResultSource = RunReport & Pick<SimulationRun, 'clientClassCounts' | 'threads' | 'personalization'> & { config: SimulationResult['config'] };

export interface SimulationResult {
  geofed: string;
  /** The run's config as resolved (a coordinator's without its secrets). */
  config: { seed: number; [key: string]: unknown };
  env: Record<string, unknown>;
  dataset: SimulationRun['dataset'];
  clientClassCounts: number[][];
  method: SimulationRun['method'];
  classifier?: SimulationRun['classifier'];
  rounds: RoundEntry[];
  final: { rounds: number; testAccuracy: number; testAccuracyLast5: number; [extra: string]: number };
  /** Present when clients fine-tuned the final model's head locally (evaluation.personalization). */
  personalization?: NonNullable<SimulationRun['personalization']>;
}

function roundEntry(record: RoundRecord): RoundEntry {
  const { round, clients, failed, testAccuracy, testLoss, trainLoss, bytesUp, bytesDown, seconds, aggregated: _a, ...extra } = record;
  return {
    round,
    testAccuracy,
    testLoss,
    trainLoss,
    clients: clients.length - failed.length,
    failed: failed.length,
    bytesUp,
    bytesDown,
    seconds,
    ...extra,
  };
}

/** Mean of the last `k` values: results are the last round and this, never the best round. */
export function meanOfLast(values: readonly number[], k: number): number {
  const tail = values.slice(-k);
  return tail.reduce((a, b) => a + b, 0) / tail.length;
}

/** The representation scores of the last round, when `evaluation.representation` scored it. */
function finalRepresentation(last: RoundEntry | undefined): Partial<Record<keyof RepresentationQuality, number>> {
  if (last?.linearProbeAccuracy === undefined) return {};
  const { linearProbeAccuracy, knnAccuracy, nc1, nc2 } = last as RoundEntry & RepresentationQuality;
  return { linearProbeAccuracy, knnAccuracy, nc1, nc2 };
}

export function buildResult(run: ResultSource): SimulationResult {
  const rounds = run.rounds.map(roundEntry);
  const accuracies = rounds.map((r) => r.testAccuracy);
  return {
    geofed: GEOFED_VERSION,
    config: run.config,
    env: {
      geofed: GEOFED_VERSION,
      node: process.version,
      tfjs: run.backend.tfjsVersion,
      backend: run.backend,
      threads: run.threads,
      platform: platform(),
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      /** Peak resident memory of this process so far (worker threads included). */
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    },
    dataset: run.dataset,
    clientClassCounts: run.clientClassCounts,
    method: run.method,
    ...(run.classifier ? { classifier: run.classifier } : {}),
    rounds,
    final: {
      rounds: rounds.length,
      testAccuracy: accuracies.at(-1) ?? Number.NaN,
      testAccuracyLast5: meanOfLast(accuracies, 5),
      personalizedAccuracy: Number(rounds.at(-1)?.personalizedAccuracy ?? Number.NaN),
      ...(run.personalization ? { fineTunedPersonalizedAccuracy: run.personalization.accuracy } : {}),
      ...finalRepresentation(rounds.at(-1)),
      // Privacy spent by the whole run (null when some release carried no noise).
      ...(rounds.at(-1)?.epsilon !== undefined ? { epsilon: Number(rounds.at(-1)!.epsilon) } : {}),
    },
    ...(run.personalization ? { personalization: run.personalization } : {}),
  };
}

export function writeResult(outDir: string, result: SimulationResult): string {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'result.json');
  writeFileAtomic(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/** A finished run's outputs in `outDir`: result.json and, beside it, the trained global weights. */
export function writeRunOutputs(outDir: string, run: ResultSource & { writeWeights(dir: string): string }): { result: SimulationResult; file: string; weightsFile: string } {
  const result = buildResult(run);
  const file = writeResult(outDir, result);
  return { result, file, weightsFile: run.writeWeights(outDir) };
}
