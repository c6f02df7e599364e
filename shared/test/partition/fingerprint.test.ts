import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { loadFashionMnistTrainLabels } from '../../src/data/fashionMnist.ts';
import { Rng } from '../../src/math/rng.ts';
import { partition, type Partition, type PartitionSpecInput } from '../../src/partition/index.ts';

/**
 * Fingerprints of partitions made before the partitioners were bounded (commit 3a2384c): the same labels, spec and
 * seed must keep giving exactly the same clients, or every earlier result stops being reproducible.
 */
const NUM_CLASSES = 10;

function fingerprint(p: Partition): string {
  const hash = createHash('sha256');
  for (const c of p.clients) {
    hash.update(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
    hash.update('|');
  }
  if (p.transforms) hash.update(JSON.stringify(p.transforms));
  return hash.digest('hex').slice(0, 16);
}

/** 5000 labels with mildly unequal class sizes (the labels of partition.test.ts). */
function makeLabels(n: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => Math.min(NUM_CLASSES - 1, Math.floor(rng.next() ** 1.2 * NUM_CLASSES)));
}

type Case = [PartitionSpecInput, number, string];

const SYNTHETIC_LABELS: Case[] = [
  [{"scheme":"iid","clients":10}, 0, 'f045be8fa4f6c8f3'],
  [{"scheme":"iid","clients":10}, 1, '4da4afcb36353ccf'],
  [{"scheme":"iid","clients":10}, 2, 'a7ba3806728c4ee1'],
  [{"scheme":"dirichlet","clients":10,"alpha":0.1}, 0, 'c1301197d5fbadf8'],
  [{"scheme":"dirichlet","clients":10,"alpha":0.1}, 1, '422ba13329de2120'],
  [{"scheme":"dirichlet","clients":10,"alpha":0.1}, 2, '28ef0158d31c161a'],
  [{"scheme":"dirichlet","clients":100,"alpha":0.3}, 0, '8cea814f63420526'],
  [{"scheme":"dirichlet","clients":100,"alpha":0.3}, 1, '09c8b5f8ef75ebc7'],
  [{"scheme":"dirichlet","clients":100,"alpha":0.3}, 2, '0ce4f91e882c0093'],
  [{"scheme":"dirichlet","clients":50,"alpha":0.5,"minSize":0}, 0, 'b6be1f67660810c6'],
  [{"scheme":"dirichlet","clients":50,"alpha":0.5,"minSize":0}, 1, '8aeb69b151bbcae3'],
  [{"scheme":"dirichlet","clients":50,"alpha":0.5,"minSize":0}, 2, '77c291aa8025019f'],
  [{"scheme":"shards","clients":10,"classesPerClient":2}, 0, '7e6cdef16a85c3e0'],
  [{"scheme":"shards","clients":10,"classesPerClient":2}, 1, '41c4628d7ac8e528'],
  [{"scheme":"shards","clients":10,"classesPerClient":2}, 2, 'e2153b6289562376'],
  [{"scheme":"quantity","clients":10,"alpha":0.5}, 0, 'ae887dbf649a6d9d'],
  [{"scheme":"quantity","clients":10,"alpha":0.5}, 1, '9fa38e7a17340864'],
  [{"scheme":"quantity","clients":10,"alpha":0.5}, 2, 'ac25c411e7557fec'],
  [{"scheme":"quantity","clients":40,"alpha":1}, 0, '2f4141b67713ae92'],
  [{"scheme":"quantity","clients":40,"alpha":1}, 1, 'cf63e0a48b7f09d6'],
  [{"scheme":"quantity","clients":40,"alpha":1}, 2, 'df5af978709f662f'],
  [{"scheme":"longtail","clients":10,"imbalance":0.05,"alpha":0.5}, 0, '87f69015e3f70b05'],
  [{"scheme":"longtail","clients":10,"imbalance":0.05,"alpha":0.5}, 1, '67163cc99dfe3cc7'],
  [{"scheme":"longtail","clients":10,"imbalance":0.05,"alpha":0.5}, 2, '7c107ddd393c3675'],
  [{"scheme":"domain","clients":10}, 0, '66760da34b5b918f'],
  [{"scheme":"domain","clients":10}, 1, '972122574e5ea727'],
  [{"scheme":"domain","clients":10}, 2, '2005fac6add1311d'],
];

const FASHION_MNIST: Case[] = [
  [{"scheme":"iid","clients":100}, 0, '0f7dbe0c2a01e34c'],
  [{"scheme":"iid","clients":100}, 1, '10bbab49aca0c681'],
  [{"scheme":"iid","clients":100}, 2, 'e13ff89e49b1e51a'],
  [{"scheme":"dirichlet","clients":10,"alpha":0.1}, 0, '7165342a853327d4'],
  [{"scheme":"dirichlet","clients":10,"alpha":0.1}, 1, '42e1c003a4a2321c'],
  [{"scheme":"dirichlet","clients":10,"alpha":0.1}, 2, '608040d6ab2dd42d'],
  [{"scheme":"dirichlet","clients":100,"alpha":0.1}, 0, '733c2d162c802a92'],
  [{"scheme":"dirichlet","clients":100,"alpha":0.1}, 1, '38b6f526a2e4b7d3'],
  [{"scheme":"dirichlet","clients":100,"alpha":0.1}, 2, 'f30d2cc2ef8d9abf'],
  [{"scheme":"dirichlet","clients":100,"alpha":0.5}, 0, '0dd5d8e5e7f9868b'],
  [{"scheme":"dirichlet","clients":100,"alpha":0.5}, 1, 'e1ba6727748a26db'],
  [{"scheme":"dirichlet","clients":100,"alpha":0.5}, 2, '40e1ed9e43c7ea80'],
  [{"scheme":"shards","clients":100,"classesPerClient":2}, 0, '73d89631b36cff82'],
  [{"scheme":"shards","clients":100,"classesPerClient":2}, 1, 'b3294c942cbad52a'],
  [{"scheme":"shards","clients":100,"classesPerClient":2}, 2, '5b8afc0f5c477a70'],
];

test('partitions of generated labels are unchanged for every scheme and seed', () => {
  const labels = makeLabels(5000, 7);
  for (const [spec, seed, expected] of SYNTHETIC_LABELS) {
    assert.equal(fingerprint(partition(labels, NUM_CLASSES, spec, seed)), expected, `${JSON.stringify(spec)} seed ${seed}`);
  }
});

test('partitions of the Fashion-MNIST training labels are unchanged', async () => {
  const labels = await loadFashionMnistTrainLabels();
  for (const [spec, seed, expected] of FASHION_MNIST) {
    assert.equal(fingerprint(partition(labels, NUM_CLASSES, spec, seed)), expected, `${JSON.stringify(spec)} seed ${seed}`);
  }
});
