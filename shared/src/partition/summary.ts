import { classCounts } from '../data/dataset.ts';
import type { Partition } from './types.ts';

export interface PartitionSummary {
  readonly scheme: string;
  readonly numClients: number;
  readonly numClasses: number;
  /** counts[client][class]. */
  readonly counts: number[][];
  readonly sizes: number[];
  /** Training samples held by some client, and those held by none (the long tail's drops). */
  readonly assigned: number;
  readonly unassigned: number;
  /** Mean over non-empty clients of TV(client label distribution, label distribution of all assigned samples). */
  readonly meanTvDistance: number;
  /** Mean number of classes a client holds at least one sample of. */
  readonly meanClassesPerClient: number;
  /** Gini coefficient of client sizes: 0 all equal, towards 1 one client holds everything. */
  readonly sizeGini: number;
  readonly sizeMin: number;
  readonly sizeMax: number;
  readonly sizeMean: number;
  /** Standard deviation of sizes over their mean. */
  readonly sizeCv: number;
}

function totalVariation(p: readonly number[], q: readonly number[]): number {
  return 0.5 * p.reduce((s, pi, i) => s + Math.abs(pi - q[i]!), 0);
}

function gini(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const total = sorted.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  // G = sum_i (2i - n - 1) x_(i) / (n * sum x), i = 1..n over ascending values.
  const n = sorted.length;
  return sorted.reduce((s, x, i) => s + (2 * (i + 1) - n - 1) * x, 0) / (n * total);
}

const normalise = (row: readonly number[]): number[] => {
  const total = row.reduce((a, b) => a + b, 0);
  return row.map((v) => v / total);
};

/** counts[client][class] for the given index lists. */
export function countMatrix(labels: ArrayLike<number>, numClasses: number, clients: readonly ArrayLike<number>[]): number[][] {
  return clients.map((indices) => classCounts(labels, numClasses, indices));
}

export function summarizePartition(partition: Partition, labels: Int32Array, numClasses: number): PartitionSummary {
  const counts = countMatrix(labels, numClasses, partition.clients);
  const sizes = partition.clients.map((c) => c.length);
  const assigned = sizes.reduce((a, b) => a + b, 0);
  const global = normalise(counts.reduce((acc, row) => acc.map((v, c) => v + row[c]!), new Array<number>(numClasses).fill(0)));
  const nonEmpty = counts.filter((_, k) => sizes[k]! > 0);
  const tv = nonEmpty.map((row) => totalVariation(normalise(row), global));
  const mean = assigned / sizes.length;
  const variance = sizes.reduce((s, x) => s + (x - mean) ** 2, 0) / sizes.length;
  return {
    scheme: partition.scheme,
    numClients: sizes.length,
    numClasses,
    counts,
    sizes,
    assigned,
    unassigned: labels.length - assigned,
    meanTvDistance: tv.length ? tv.reduce((a, b) => a + b, 0) / tv.length : 0,
    meanClassesPerClient: counts.reduce((s, row) => s + row.filter((v) => v > 0).length, 0) / counts.length,
    sizeGini: gini(sizes),
    sizeMin: Math.min(...sizes),
    sizeMax: Math.max(...sizes),
    sizeMean: mean,
    sizeCv: mean > 0 ? Math.sqrt(variance) / mean : 0,
  };
}

function pad(text: string, width: number): string {
  return text.padStart(width);
}

/** The client x class count table with row and column totals, then the skew measures, as plain text. */
export function formatPartitionTable(summary: PartitionSummary, classNames: readonly string[]): string {
  const { counts, sizes, numClasses } = summary;
  const classTotals = Array.from({ length: numClasses }, (_, c) => counts.reduce((s, row) => s + row[c]!, 0));
  const width = Math.max(5, String(Math.max(summary.assigned, 0)).length + 1);
  const label = Math.max(6, `client ${sizes.length - 1}`.length);
  const header = pad('', label) + classTotals.map((_, c) => pad(String(c), width)).join('') + pad('total', width + 1);
  const rows = counts.map(
    (row, k) => pad(`client ${k}`, label) + row.map((v) => pad(String(v), width)).join('') + pad(String(sizes[k]), width + 1),
  );
  const totals = pad('total', label) + classTotals.map((v) => pad(String(v), width)).join('') + pad(String(summary.assigned), width + 1);
  const rule = '-'.repeat(header.length);
  const legend = classNames.map((name, c) => `${c}=${name}`).join('  ');
  const lines = [
    header,
    rule,
    ...rows,
    rule,
    totals,
    '',
    `classes: ${legend}`,
    `client sizes: min ${summary.sizeMin}, max ${summary.sizeMax}, mean ${summary.sizeMean.toFixed(1)}, ` +
      `cv ${summary.sizeCv.toFixed(3)}, gini ${summary.sizeGini.toFixed(3)}`,
    `label skew: mean TV distance to the global label distribution ${summary.meanTvDistance.toFixed(3)}, ` +
      `mean classes per client ${summary.meanClassesPerClient.toFixed(2)} of ${numClasses}`,
  ];
  if (summary.unassigned > 0) lines.push(`unassigned: ${summary.unassigned} training samples belong to no client`);
  return lines.join('\n');
}
