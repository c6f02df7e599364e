import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeCurves } from '../report/curves.ts';
import { aggregateSweep, type Stat, type SweepAggregate } from './aggregate.ts';
import type { RunSummary } from './runSummary.ts';
import { csvTable, markdownTable, textTable } from './tables.ts';

type Table = { headers: string[]; rows: string[][] };

const pct = (x: number) => (100 * x).toFixed(2);
const statCell = (s: Stat) => (Number.isNaN(s.std) ? pct(s.mean) : `${pct(s.mean)} ± ${pct(s.std)}`);
const valueCell = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
const numberCell = (x: number) => (Number.isNaN(x) ? '' : String(x));

/** The sweep table as people read it: accuracies in percent, mean ± std over seeds. */
export function settingsTable(agg: SweepAggregate): Table {
  const withPersonal = agg.rows.some((r) => r.personalized);
  return {
    headers: [...agg.keys, 'seeds', 'last round acc. (%)', 'last-5 acc. (%)', ...(withPersonal ? ['personalised acc. (%)'] : [])],
    rows: agg.rows.map((r) => [
      ...agg.keys.map((k) => valueCell(r.point[k])),
      String(r.seeds.length),
      statCell(r.last),
      statCell(r.last5),
      ...(withPersonal ? [r.personalized ? statCell(r.personalized) : ''] : []),
    ]),
  };
}

/** The same table for other tools: fractions, with means and standard deviations in their own columns. */
function settingsCsv(agg: SweepAggregate): Table {
  const withPersonal = agg.rows.some((r) => r.personalized);
  const pair = (s: Stat | null) => (s ? [numberCell(s.mean), numberCell(s.std)] : ['', '']);
  return {
    headers: [
      ...agg.keys,
      'seeds',
      'last_mean',
      'last_std',
      'last5_mean',
      'last5_std',
      ...(withPersonal ? ['personalized_mean', 'personalized_std'] : []),
    ],
    rows: agg.rows.map((r) => [
      ...agg.keys.map((k) => valueCell(r.point[k])),
      String(r.seeds.length),
      ...pair(r.last),
      ...pair(r.last5),
      ...(withPersonal ? pair(r.personalized) : []),
    ]),
  };
}

/** One line per run, to find each run's result.json; `accuracy` formats the accuracies. */
function runsTable(summaries: readonly RunSummary[], accuracy: (x: number) => string): Table {
  const keys = [...new Set(summaries.flatMap((s) => Object.keys(s.point)))];
  return {
    headers: ['run', ...keys, 'last', 'last5', 'personalized', 'host', 'result'],
    rows: summaries.map((s) => [
      s.key,
      ...keys.map((k) => valueCell(s.point[k])),
      accuracy(s.testAccuracy),
      accuracy(s.testAccuracyLast5),
      s.personalizedAccuracy === undefined ? '' : accuracy(s.personalizedAccuracy),
      s.host,
      s.resultFile,
    ]),
  };
}

export interface SweepReport {
  /** The settings table for the terminal. */
  text: string;
  files: string[];
}

/** Writes summary.md, summary.csv, runs.csv and comparison.png (mean curves per setting) into `dir`. */
export async function writeSweepReport(dir: string, sweep: string, summaries: readonly RunSummary[]): Promise<SweepReport> {
  const agg = aggregateSweep(summaries);
  const settings = settingsTable(agg);
  const runs = runsTable(summaries, pct);
  const runsRaw = runsTable(summaries, String);
  const files = ['summary.md', 'summary.csv', 'runs.csv', 'comparison.png'].map((f) => join(dir, f));
  const [md, csv, runsCsv, png] = files as [string, string, string, string];
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    md,
    `# Sweep ${sweep}\n\n${agg.runs} runs; accuracies in %, mean ± sample std over seeds.\n\n` +
      `${markdownTable(settings.headers, settings.rows)}\n## Runs\n\n${markdownTable(runs.headers, runs.rows)}`,
  );
  const csvSettings = settingsCsv(agg);
  writeFileSync(csv, csvTable(csvSettings.headers, csvSettings.rows));
  writeFileSync(runsCsv, csvTable(runsRaw.headers, runsRaw.rows));
  await writeCurves(png, `${sweep}: mean over seeds`, agg.rows.map((r) => r.curve));
  return { text: textTable(settings.headers, settings.rows), files };
}
