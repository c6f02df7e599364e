import type { SimulationConfig } from '../config/simulationConfig.ts';
import type { GridPoint } from './sweep.ts';

/** What a simulation job carries: enough to run it anywhere and to file its result under its sweep. */
export interface SimulationJobData {
  sweep: string;
  key: string;
  index: number;
  point: GridPoint;
  /** The resolved config (paths absolute, defaults filled in); workers validate it again before running. */
  config: SimulationConfig;
}

/** `job.progress` while a run is going. */
export interface RunProgress {
  round: number;
  rounds: number;
  testAccuracy: number;
}

export function isRunProgress(value: unknown): value is RunProgress {
  return typeof value === 'object' && value !== null && typeof (value as RunProgress).round === 'number';
}
