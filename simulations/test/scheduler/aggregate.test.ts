import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateSweep, stat } from '../../src/scheduler/aggregate.ts';
import type { RunSummary } from '../../src/scheduler/runSummary.ts';
import { settingsTable } from '../../src/scheduler/sweepReport.ts';
import { csvTable, markdownTable } from '../../src/scheduler/tables.ts';

function summary(index: number, point: Record<string, unknown>, acc: number, extra: Partial<RunSummary> = {}): RunSummary {
  return {
    sweep: 's',
    key: `k${index}`,
    index,
    point,
    seed: Number(point.seed ?? 0),
    testAccuracy: acc,
    testAccuracyLast5: acc - 0.1,
    rounds: [
      { round: 1, testAccuracy: acc - 0.2, testLoss: 1, trainLoss: 2 },
      { round: 2, testAccuracy: acc, testLoss: 0.5, trainLoss: 1 },
    ],
    host: 'h',
    resultFile: `/r/${index}/result.json`,
    finishedAt: '2025-01-01T00:00:00.000Z',
    ...extra,
  };
}

describe('sweep aggregation', () => {
  test('mean and sample standard deviation', () => {
    const s = stat([0.7, 0.8, 0.9]);
    assert.ok(Math.abs(s.mean - 0.8) < 1e-12);
    assert.ok(Math.abs(s.std - 0.1) < 1e-12);
    assert.ok(Number.isNaN(stat([0.5]).std));
  });

  test('runs that differ only in seed form one setting, in grid order', () => {
    const agg = aggregateSweep([
      summary(3, { 'strategy.name': 'fedprox', seed: 1 }, 0.6),
      summary(0, { 'strategy.name': 'fedavg', seed: 0 }, 0.7),
      summary(2, { 'strategy.name': 'fedprox', seed: 0 }, 0.5),
      summary(1, { 'strategy.name': 'fedavg', seed: 1 }, 0.9),
    ]);
    assert.deepEqual(agg.keys, ['strategy.name']);
    assert.deepEqual(agg.rows.map((r) => [r.label, r.seeds]), [
      ['strategy.name=fedavg', [0, 1]],
      ['strategy.name=fedprox', [0, 1]],
    ]);
    assert.ok(Math.abs(agg.rows[0]!.last.mean - 0.8) < 1e-12);
    assert.ok(Math.abs(agg.rows[1]!.last5.mean - 0.45) < 1e-12);
    // The plotted curve is the per-round mean over seeds.
    assert.ok(Math.abs(agg.rows[0]!.curve.rounds[0]!.testAccuracy - 0.6) < 1e-12);
  });

  test('the table shows mean ± std in percent, and a personalised column only when runs report it', () => {
    const plain = settingsTable(aggregateSweep([summary(0, { seed: 0 }, 0.7), summary(1, { seed: 1 }, 0.8)]));
    assert.deepEqual(plain.headers, ['seeds', 'last round acc. (%)', 'last-5 acc. (%)']);
    assert.deepEqual(plain.rows, [['2', '75.00 ± 7.07', '65.00 ± 7.07']]);

    const personal = settingsTable(aggregateSweep([summary(0, { seed: 0 }, 0.7, { personalizedAccuracy: 0.9 })]));
    assert.equal(personal.headers.at(-1), 'personalised acc. (%)');
    assert.deepEqual(personal.rows, [['1', '70.00', '60.00', '90.00']]);
  });

  test('Markdown escapes pipes and CSV quotes commas and quotes', () => {
    assert.equal(markdownTable(['a'], [['x|y']]), '| a |\n| --- |\n| x\\|y |\n');
    assert.equal(csvTable(['a', 'b'], [['1,2', 'say "hi"']]), 'a,b\n"1,2","say ""hi"""\n');
  });
});
