import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countMatrix, formatPartitionTable, summarizePartition } from '../../src/partition/summary.ts';

const labels = Int32Array.from([0, 0, 1, 1, 2, 2, 0, 1]);

test('summary: counts, sizes and unassigned samples', () => {
  const s = summarizePartition({ scheme: 'file', clients: [Int32Array.from([0, 1, 2]), Int32Array.from([3, 4])] }, labels, 3);
  assert.deepEqual(s.counts, [[2, 1, 0], [0, 1, 1]]);
  assert.deepEqual(s.sizes, [3, 2]);
  assert.equal(s.assigned, 5);
  assert.equal(s.unassigned, 3);
  assert.equal(s.meanClassesPerClient, 2);
});

test('summary: identical label mixes give TV 0 and equal sizes give Gini 0', () => {
  const s = summarizePartition({ scheme: 'iid', clients: [Int32Array.from([0, 2, 4]), Int32Array.from([1, 3, 5])] }, labels, 3);
  assert.equal(s.meanTvDistance, 0);
  assert.equal(s.sizeGini, 0);
  assert.equal(s.sizeCv, 0);
});

test('summary: disjoint single-class clients have TV 1 - share of their class', () => {
  // Client 0 holds only class 0, client 1 only class 1: global mix is 50/50, so each TV is 0.5.
  const s = summarizePartition({ scheme: 'shards', clients: [Int32Array.from([0, 1]), Int32Array.from([2, 3])] }, labels, 3);
  assert.equal(s.meanTvDistance, 0.5);
});

test('summary: Gini of sizes 0, 0, 0, 4 is 0.75', () => {
  const s = summarizePartition(
    { scheme: 'file', clients: [new Int32Array(0), new Int32Array(0), new Int32Array(0), Int32Array.from([0, 1, 2, 3])] },
    labels,
    3,
  );
  assert.equal(s.sizeGini, 0.75);
});

test('countMatrix gives counts[client][class]', () => {
  assert.deepEqual(countMatrix(labels, 3, [[0, 6], [5]]), [[2, 0, 0], [0, 0, 1]]);
});

test('the text table shows each client row, class totals and the skew line', () => {
  const s = summarizePartition({ scheme: 'file', clients: [Int32Array.from([0, 1, 2]), Int32Array.from([3, 4])] }, labels, 3);
  const text = formatPartitionTable(s, ['a', 'b', 'c']);
  assert.match(text, /client 0\s+2\s+1\s+0\s+3\n/);
  assert.match(text, /client 1\s+0\s+1\s+1\s+2\n/);
  assert.match(text, /total\s+2\s+2\s+1\s+5\n/);
  assert.match(text, /classes: 0=a {2}1=b {2}2=c/);
  assert.match(text, /unassigned: 3 training samples belong to no client/);
});
