import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedPointLayout, fractionalBitsFor } from '../../src/secagg/fixedPoint.ts';
import { secureSumInProcess } from '../../src/secagg/inProcess.ts';
import { SecAggClient } from '../../src/secagg/client.ts';
import { SecAggServer } from '../../src/secagg/server.ts';
import type { ClientMessage } from '../../src/secagg/server.ts';
import { packStats, statsSegments, unpackStats } from '../../src/secagg/statsLayout.ts';
import { accumulateStats, createStats, mergeStats } from '../../src/geometry/stats.ts';
import type { EmbeddingStats } from '../../src/geometry/stats.ts';
import { Rng } from '../../src/math/rng.ts';

const K = 3;
const D = 4;
const WEIGHTS = 500;
const SAMPLES = 40;
const NORM = 3;

interface ClientData {
  readonly weights: Float64Array;
  readonly stats: EmbeddingStats;
}

/** Random weights in [-1, 1] and class statistics of random embeddings clipped to norm NORM. */
function clientData(seed: number): ClientData {
  const rng = new Rng(seed);
  const weights = Float64Array.from({ length: WEIGHTS }, () => 2 * rng.next() - 1);
  const labels = Int32Array.from({ length: SAMPLES }, () => rng.int(K));
  const z = new Float32Array(SAMPLES * D);
  for (let r = 0; r < SAMPLES; r++) {
    const row = Array.from({ length: D }, () => rng.normal());
    const scale = Math.min(1, (NORM * 0.999) / Math.hypot(...row));
    row.forEach((v, i) => (z[r * D + i] = v * scale));
  }
  return { weights, stats: accumulateStats(createStats(K, D), z, labels) };
}

function layoutFor(clients: number): FixedPointLayout {
  return new FixedPointLayout([{ name: 'weights', length: WEIGHTS, bound: 1 }, ...statsSegments(K, D, { maxCount: SAMPLES, maxNorm: NORM })], clients);
}

function encodeAll(layout: FixedPointLayout, data: readonly ClientData[]): Map<string, Uint32Array> {
  return new Map(data.map((d, i) => [`client-${String(i).padStart(2, '0')}`, layout.encode({ weights: d.weights, ...packStats(d.stats) })]));
}

function plainSum(data: readonly ClientData[]): { weights: Float64Array; stats: EmbeddingStats } {
  const weights = new Float64Array(WEIGHTS);
  for (const d of data) d.weights.forEach((w, i) => (weights[i]! += w));
  return { weights, stats: data.map((d) => d.stats).reduce((a, b) => mergeStats(a, b)) };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, bound: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= bound, `${what}[${i}]: ${actual[i]} vs ${expected[i]} (bound ${bound})`);
  }
}

/** The decoded secure sum matches the plain float sum within the layout's stated quantisation bound, segment by segment. */
function assertMatchesPlain(layout: FixedPointLayout, sum: Uint32Array, data: readonly ClientData[]): void {
  const decoded = layout.decode(sum);
  const plain = plainSum(data);
  assertClose(decoded.weights!, plain.weights, layout.errorBound('weights'), 'weights');
  const stats = unpackStats(decoded, K, D);
  assert.deepEqual(stats.classes.map((c) => [c.label, c.count]), plain.stats.classes.map((c) => [c.label, c.count]));
  stats.classes.forEach((c, i) => {
    const p = plain.stats.classes[i]!;
    assertClose(c.sum, p.sum, layout.errorBound('stats.sums'), `class ${c.label} sum`);
    assertClose(c.outer, p.outer, layout.errorBound('stats.outer'), `class ${c.label} outer`);
  });
}

test('fixed point: bits chosen so the sum fits 31 bits, bound n * 2^-(f+1), values beyond the bound refused', () => {
  assert.equal(fractionalBitsFor(1, 10), 27); // 10 * 2^27 < 2^31 <= 10 * 2^28
  const layout = new FixedPointLayout([{ name: 'x', length: 3, bound: 1 }], 10);
  assert.equal(layout.errorBound('x'), 10 / 2 ** 28);
  const encoded = [layout.encode({ x: [1, -1, 0.3] }), layout.encode({ x: [-1, -1, 0.3] })];
  const sum = Uint32Array.from(encoded[0]!, (v, i) => v + encoded[1]![i]!);
  assertClose(layout.decode(sum).x!, [0, -2, 0.6], layout.errorBound('x'), 'x');
  assert.throws(() => layout.encode({ x: [1.5, 0, 0] }), /outside the agreed bound ±1/);
  assert.throws(() => layout.encode({ x: [Number.NaN, 0, 0] }), /outside the agreed bound/);
  assert.throws(() => new FixedPointLayout([{ name: 'big', length: 1, bound: 2 ** 30 }], 4), /does not fit 32-bit fixed point/);
});

test('secure sum of weights and class statistics equals the plain sum within the quantisation bound', async () => {
  const data = Array.from({ length: 10 }, (_, i) => clientData(100 + i));
  const layout = layoutFor(data.length);
  const result = await secureSumInProcess(encodeAll(layout, data), { round: 'r1', threshold: 7 });
  assert.equal(result.survivors.length, 10);
  assertMatchesPlain(layout, result.sum, data);
});

test('30% of clients drop out after masking: the round completes with the exact sum of the survivors', async () => {
  const data = Array.from({ length: 10 }, (_, i) => clientData(200 + i));
  const layout = layoutFor(data.length);
  const inputs = encodeAll(layout, data);
  const ids = [...inputs.keys()];
  const dropped = new Set([ids[1]!, ids[4]!, ids[8]!]);
  const result = await secureSumInProcess(inputs, { round: 'r2', threshold: 7, dropAfterMasking: dropped });
  assert.deepEqual([...result.survivors].sort(), ids.filter((id) => !dropped.has(id)));
  const survivorData = data.filter((_, i) => !dropped.has(ids[i]!));
  // Exact in Z_2^32: the masks of the dropped clients were all removed.
  const expected = new Uint32Array(layout.length);
  for (const id of result.survivors) inputs.get(id)!.forEach((v, i) => (expected[i] = expected[i]! + v));
  assert.deepEqual(result.sum, expected);
  assertMatchesPlain(layout, result.sum, survivorData);
});

test('a client that vanishes after its masked input arrived is still counted; too many dropouts are refused', async () => {
  const data = Array.from({ length: 5 }, (_, i) => clientData(300 + i));
  const layout = layoutFor(data.length);
  const inputs = encodeAll(layout, data);
  const ids = [...inputs.keys()];
  const late = await secureSumInProcess(inputs, { round: 'r3', threshold: 3, dropAfterUpload: new Set([ids[0]!, ids[2]!]) });
  assert.equal(late.survivors.length, 5);
  assertMatchesPlain(layout, late.sum, data);
  await assert.rejects(
    secureSumInProcess(inputs, { round: 'r4', threshold: 4, dropAfterMasking: new Set([ids[0]!, ids[1]!]) }),
    /3 clients masked inputs, fewer than the threshold 4/,
  );
});

/** All bytes of one message, concatenated. */
function messageBytes(m: ClientMessage): Buffer[] {
  if ('encryptionKey' in m) return [Buffer.from(m.encryptionKey), Buffer.from(m.maskKey)];
  if ('envelopes' in m) return m.envelopes.map((e) => Buffer.from(e.ciphertext));
  if ('masked' in m) return [Buffer.from(m.masked.buffer, m.masked.byteOffset, m.masked.byteLength)];
  return [...m.selfMaskSeeds, ...m.maskKeys].map((s) => Buffer.from(s.share));
}

test('nothing the server received contains any client update or statistic in the clear', async () => {
  const data = Array.from({ length: 6 }, (_, i) => clientData(400 + i));
  const layout = layoutFor(data.length);
  const inputs = encodeAll(layout, data);
  const result = await secureSumInProcess(inputs, { round: 'r5', threshold: 4, dropAfterMasking: new Set(['client-03']) });
  const received = Buffer.concat(result.received.flatMap(messageBytes));
  assert.ok(received.length > 6 * layout.length * 4, 'the transcript holds at least the masked vectors');

  data.forEach((d, c) => {
    const encoded = inputs.get(`client-${String(c).padStart(2, '0')}`)!;
    const encodedBytes = Buffer.from(encoded.buffer);
    // Any 4 consecutive encoded words (16 bytes) of this client, anywhere in its vector.
    for (let offset = 0; offset + 16 <= encodedBytes.length; offset += 64) {
      assert.equal(received.indexOf(encodedBytes.subarray(offset, offset + 16)), -1, `client ${c}: encoded words at byte ${offset} seen in the clear`);
    }
    // The raw float64 weights and statistics, as a naive upload would carry them.
    const raw = [Buffer.from(d.weights.buffer), ...d.stats.classes.flatMap((s) => [Buffer.from(s.sum.buffer), Buffer.from(s.outer.buffer)])];
    for (const r of raw) assert.equal(received.indexOf(r.subarray(0, 16)), -1, `client ${c}: raw values seen in the clear`);
  });

  // Each masked vector agrees with its client's encoding in hardly any word (chance is 2^-32 per word).
  for (const m of result.received) {
    if (!('masked' in m)) continue;
    const encoded = inputs.get(m.from)!;
    const same = m.masked.reduce((n, v, i) => n + (v === encoded[i] ? 1 : 0), 0);
    assert.ok(same <= 2, `${m.from}: ${same} of ${encoded.length} words unmasked`);
  }
});

test('a tampered share, a double unmasking request and a survivor list below threshold are refused', async () => {
  const server = new SecAggServer({ round: 'r6', threshold: 2, vectorLength: 4 });
  const clients = ['a', 'b', 'c'].map((id) => new SecAggClient(id));
  for (const c of clients) server.receiveAdvertisement(c.advertise());
  const roster = server.roster();
  for (const c of clients) server.receiveSharedKeys(await c.shareKeys(roster));
  const forA = server.envelopesFor('a');
  const tampered = forA.map((e, i) => (i === 0 ? { ...e, ciphertext: Uint8Array.from(e.ciphertext, (b, j) => (j === 30 ? b ^ 1 : b)) } : e));
  assert.throws(() => clients[0]!.maskInput(tampered, new Uint32Array(4)), /failed authentication/);
  for (const c of clients.slice(1)) server.receiveMaskedInput(c.maskInput(server.envelopesFor(c.id), new Uint32Array(4)));
  assert.throws(() => clients[1]!.unmask(['b']), /1 survivors are fewer than the threshold 2/);
  clients[1]!.unmask(['b', 'c']);
  assert.throws(() => clients[1]!.unmask(['b', 'c']), /already answered/);
  assert.throws(() => server.receiveMaskedInput({ from: 'b', masked: new Uint32Array(4) }), /sent the same step twice/);
  assert.throws(() => server.receiveMaskedInput({ from: 'zed', masked: new Uint32Array(4) }), /did not share keys/);
});
