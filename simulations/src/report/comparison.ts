import type { SimulationResult } from './result.ts';

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : 'n/a');

/** A Markdown table comparing runs (also readable as plain text in a terminal). */
export function comparisonTable(runs: ReadonlyArray<{ label: string; result: SimulationResult }>): string {
  // testAccuracyLast5 averages all rounds of a shorter run: the header says how many it covers.
  const last = Math.min(5, ...runs.map(({ result }) => result.rounds.length));
  const header = `| method | last-round accuracy | mean of last ${last} | personalised accuracy | personalised, head fine-tuned | seconds/round | MB per round |`;
  const rule = '|---|---|---|---|---|---|---|';
  const rows = runs.map(({ label, result }) => {
    const secs = result.rounds.reduce((s, r) => s + r.seconds, 0) / result.rounds.length;
    const mb = result.rounds.reduce((s, r) => s + r.bytesUp + r.bytesDown, 0) / result.rounds.length / 1e6;
    return `| ${label} | ${pct(result.final.testAccuracy)} | ${pct(result.final.testAccuracyLast5)} | ${pct(result.final.personalizedAccuracy ?? Number.NaN)} | ${pct(result.final.fineTunedPersonalizedAccuracy ?? Number.NaN)} | ${secs.toFixed(1)} | ${mb.toFixed(1)} |`;
  });
  return [header, rule, ...rows].join('\n');
}
