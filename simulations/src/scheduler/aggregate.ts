import type { CurveSeries } from '../report/curves.ts';
import type { RunSummary } from './runSummary.ts';
import { describePoint, type GridPoint } from './sweep.ts';

/** Runs that differ only in these grid keys are repeats of one setting. */
export const REPEAT_KEYS = ['seed'];

export interface Stat {
  mean: number;
  /** Sample standard deviation; NaN for a single run. */
  std: number;
}

export interface SettingRow {
  /** The grid values that define the setting (seeds left out). */
  point: GridPoint;
  label: string;
  seeds: number[];
  last: Stat;
  last5: Stat;
  /** Only when the runs report a personalised accuracy. */
  personalized: Stat | null;
  /** Per-round means over the seeds, for the comparison plot. */
  curve: CurveSeries;
}

export interface SweepAggregate {
  /** Grid keys that tell the settings apart, in grid order. */
  keys: string[];
  rows: SettingRow[];
  runs: number;
}

export function stat(values: readonly number[]): Stat {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std =
    values.length > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)) : Number.NaN;
  return { mean, std };
}

function meanCurve(label: string, runs: readonly RunSummary[]): CurveSeries {
  const length = Math.max(...runs.map((r) => r.rounds.length));
  const statAt = (i: number, metric: 'testAccuracy' | 'testLoss' | 'trainLoss') => {
    // trainLoss is NaN (stored as null) for strategies that do not report it.
    const values = runs.map((r) => r.rounds[i]?.[metric]).filter((v): v is number => Number.isFinite(v));
    return values.length > 0 ? stat(values) : { mean: Number.NaN, std: Number.NaN };
  };
  return {
    label,
    rounds: Array.from({ length }, (_, i) => {
      const [accuracy, testLoss, trainLoss] = (['testAccuracy', 'testLoss', 'trainLoss'] as const).map((m) => statAt(i, m));
      return {
        round: i + 1,
        testAccuracy: accuracy!.mean,
        testLoss: testLoss!.mean,
        trainLoss: trainLoss!.mean,
        testAccuracyStd: accuracy!.std,
        testLossStd: testLoss!.std,
        trainLossStd: trainLoss!.std,
      };
    }),
  };
}

/** Groups runs into settings (same grid values apart from the seed): mean ± std over seeds, in grid order. */
export function aggregateSweep(summaries: readonly RunSummary[]): SweepAggregate {
  const ordered = [...summaries].sort((a, b) => a.index - b.index);
  const keys = [...new Set(ordered.flatMap((s) => Object.keys(s.point)))].filter((k) => !REPEAT_KEYS.includes(k));
  const groups = new Map<string, RunSummary[]>();
  for (const summary of ordered) {
    const label = describePoint(summary.point, REPEAT_KEYS);
    groups.set(label, [...(groups.get(label) ?? []), summary]);
  }
  const rows = [...groups].map(([label, runs]): SettingRow => {
    const personalized = runs.map((r) => r.personalizedAccuracy).filter((v): v is number => v !== undefined);
    return {
      point: Object.fromEntries(keys.map((k) => [k, runs[0]!.point[k]])),
      label,
      seeds: runs.map((r) => r.seed),
      last: stat(runs.map((r) => r.testAccuracy)),
      last5: stat(runs.map((r) => r.testAccuracyLast5)),
      personalized: personalized.length > 0 ? stat(personalized) : null,
      curve: meanCurve(label, runs),
    };
  });
  return { keys, rows, runs: ordered.length };
}
