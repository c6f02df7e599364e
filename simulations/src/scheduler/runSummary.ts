import type { SimulationResult } from '../report/result.ts';
import type { SimulationJobData } from './jobData.ts';
import type { GridPoint } from './sweep.ts';

/**
 * What Redis keeps of a finished run: the numbers the sweep table and comparison plot need, so results can be
 * gathered from any machine, while the full `result.json` stays in the results folder of the worker that ran it.
 */
export interface RunSummary {
  sweep: string;
  key: string;
  index: number;
  point: GridPoint;
  seed: number;
  testAccuracy: number;
  testAccuracyLast5: number;
  personalizedAccuracy?: number;
  rounds: { round: number; testAccuracy: number; testLoss: number; trainLoss: number }[];
  /** Host of the worker and the path of `result.json` there. */
  host: string;
  resultFile: string;
  finishedAt: string;
}

export function summarizeRun(data: SimulationJobData, result: SimulationResult, host: string, resultFile: string): RunSummary {
  const personalized = result.final.personalizedAccuracy;
  return {
    sweep: data.sweep,
    key: data.key,
    index: data.index,
    point: data.point,
    seed: result.config.seed,
    testAccuracy: result.final.testAccuracy,
    testAccuracyLast5: result.final.testAccuracyLast5,
    ...(typeof personalized === 'number' ? { personalizedAccuracy: personalized } : {}),
    rounds: result.rounds.map(({ round, testAccuracy, testLoss, trainLoss }) => ({ round, testAccuracy, testLoss, trainLoss })),
    host,
    resultFile,
    finishedAt: new Date().toISOString(),
  };
}
