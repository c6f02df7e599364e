import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/math/rng.ts';
import { ChunkAssembler, splitIntoChunks, type ChunkAssemblerOptions } from '../../src/wire/chunking.ts';
import { decodeEnvelope, encodeEnvelope } from '../../src/wire/codec.ts';
import { isWireError, type WireError, type WireErrorCode } from '../../src/wire/errors.ts';
import type { Chunk } from '../../src/wire/messages.ts';
import { envelopeOf, samplePayloads } from './fixtures.ts';

const roomy: ChunkAssemblerOptions = { maxBytesInFlight: 1 << 20, maxTransfers: 4, idleTimeoutMs: 60_000 };

function payloadOf(n: number, seed = 1): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: n }, () => rng.int(256));
}

function rejects(fn: () => unknown, code: WireErrorCode): void {
  assert.throws(fn, (e: unknown) => isWireError(e, code));
}

/** Feeds chunks in the given order; returns what the last accepted chunk produced. */
function feed(assembler: ChunkAssembler, chunks: readonly Chunk[]): Uint8Array | undefined {
  let out: Uint8Array | undefined;
  for (const c of chunks) {
    out = assembler.accept(c);
    if (c !== chunks.at(-1)) assert.equal(out, undefined, 'a payload before the last chunk');
  }
  return out;
}

test('splitting cuts the payload into ceil(n / chunkSize) chunks that share total, size and sha256', () => {
  const chunks = splitIntoChunks(payloadOf(1000), { chunkSize: 300, transferId: 't' });
  assert.deepEqual(chunks.map((c) => [c.index, c.total, c.data.length]), [[0, 4, 300], [1, 4, 300], [2, 4, 300], [3, 4, 100]]);
  assert.ok(chunks.every((c) => c.totalBytes === 1000 && c.sha256 === chunks[0]!.sha256 && c.sha256.length === 32));
});

test('chunks reassemble in order', () => {
  const payload = payloadOf(10_000);
  const assembler = new ChunkAssembler(roomy);
  assert.deepEqual(feed(assembler, splitIntoChunks(payload, { chunkSize: 999, transferId: 't' })), payload);
  assert.equal(assembler.bytesInFlight, 0);
  assert.equal(assembler.transfersInFlight, 0);
});

test('chunks reassemble shuffled', () => {
  const payload = payloadOf(10_000, 2);
  const chunks = new Rng(3).shuffle(splitIntoChunks(payload, { chunkSize: 777, transferId: 't' }));
  assert.deepEqual(feed(new ChunkAssembler(roomy), chunks), payload);
});

test('interleaved transfers reassemble independently', () => {
  const a = payloadOf(3000, 4);
  const b = payloadOf(2000, 5);
  const ca = splitIntoChunks(a, { chunkSize: 1000, transferId: 'a' });
  const cb = splitIntoChunks(b, { chunkSize: 1000, transferId: 'b' });
  const assembler = new ChunkAssembler(roomy);
  const results = [ca[0]!, cb[0]!, ca[1]!, cb[1]!, ca[2]!].map((c) => assembler.accept(c));
  assert.deepEqual(results[3], b);
  assert.deepEqual(results[4], a);
});

test('an empty payload travels as one empty chunk', () => {
  const chunks = splitIntoChunks(new Uint8Array(0), { chunkSize: 10, transferId: 't' });
  assert.equal(chunks.length, 1);
  assert.deepEqual(new ChunkAssembler(roomy).accept(chunks[0]!), new Uint8Array(0));
});

test('a chunk received twice is DUPLICATE_CHUNK and the transfer still completes', () => {
  const payload = payloadOf(100);
  const chunks = splitIntoChunks(payload, { chunkSize: 40, transferId: 't' });
  const assembler = new ChunkAssembler(roomy);
  assembler.accept(chunks[0]!);
  rejects(() => assembler.accept(chunks[0]!), 'DUPLICATE_CHUNK');
  assert.deepEqual(feed(assembler, chunks.slice(1)), payload);
});

test('an index outside [0, total) is BAD_VALUE', () => {
  const [chunk] = splitIntoChunks(payloadOf(100), { chunkSize: 40, transferId: 't' });
  rejects(() => new ChunkAssembler(roomy).accept({ ...chunk!, index: 3 }), 'BAD_VALUE');
});

test('a chunk whose total disagrees with its transfer is BAD_CHUNK and drops the transfer', () => {
  const chunks = splitIntoChunks(payloadOf(100), { chunkSize: 40, transferId: 't' });
  const assembler = new ChunkAssembler(roomy);
  assembler.accept(chunks[0]!);
  rejects(() => assembler.accept({ ...chunks[1]!, total: 4 }), 'BAD_CHUNK');
  assert.equal(assembler.transfersInFlight, 0);
  assert.equal(assembler.bytesInFlight, 0);
});

test('chunks carrying more bytes than declared are BAD_CHUNK', () => {
  const chunks = splitIntoChunks(payloadOf(100), { chunkSize: 40, transferId: 't' });
  const assembler = new ChunkAssembler(roomy);
  assembler.accept(chunks[0]!);
  assembler.accept(chunks[1]!);
  rejects(() => assembler.accept({ ...chunks[2]!, data: payloadOf(40) }), 'BAD_CHUNK');
});

test('a payload that does not match its sha256 is BAD_CHECKSUM', () => {
  const chunks = splitIntoChunks(payloadOf(100), { chunkSize: 40, transferId: 't' });
  const tampered = chunks.map((c, i) => (i === 1 ? { ...c, data: c.data.map((b) => b ^ 1) } : c));
  const assembler = new ChunkAssembler(roomy);
  rejects(() => feed(assembler, tampered), 'BAD_CHECKSUM');
  assert.equal(assembler.transfersInFlight, 0);
});

test('a transfer beyond maxTransfers is TOO_MANY_TRANSFERS', () => {
  const assembler = new ChunkAssembler({ ...roomy, maxTransfers: 2 });
  for (const id of ['a', 'b']) assembler.accept(splitIntoChunks(payloadOf(100), { chunkSize: 10, transferId: id })[0]!);
  rejects(() => assembler.accept(splitIntoChunks(payloadOf(100), { chunkSize: 10, transferId: 'c' })[0]!), 'TOO_MANY_TRANSFERS');
});

test('a transfer that would exceed maxBytesInFlight is TOO_LARGE, and completing one frees its bytes', () => {
  const assembler = new ChunkAssembler({ ...roomy, maxBytesInFlight: 1000 });
  const first = splitIntoChunks(payloadOf(600), { chunkSize: 100, transferId: 'a' });
  const second = splitIntoChunks(payloadOf(500), { chunkSize: 100, transferId: 'b' });
  assembler.accept(first[0]!);
  assert.equal(assembler.bytesInFlight, 600); // reserved on the first chunk, not as data arrives
  rejects(() => assembler.accept(second[0]!), 'TOO_LARGE');
  feed(assembler, first.slice(1));
  assert.equal(assembler.bytesInFlight, 0);
  assert.equal(assembler.accept(second[0]!), undefined);
  assert.equal(assembler.bytesInFlight, 500);
});

test('a transfer idle past the timeout is dropped with a TIMEOUT reason and its bytes freed', async () => {
  let reportExpiry: (expiry: [string, WireError]) => void = () => {};
  let guard: ReturnType<typeof setTimeout> | undefined;
  // The assembler's timers do not hold the event loop open; this bounded guard does, until the expiry arrives.
  const expired = new Promise<[string, WireError]>((resolve, reject) => {
    reportExpiry = resolve;
    guard = setTimeout(() => reject(new Error('no expiry within 2 s')), 2000);
  }).finally(() => clearTimeout(guard));
  const assembler = new ChunkAssembler({ ...roomy, idleTimeoutMs: 20, onExpired: (id, error) => reportExpiry([id, error]) });
  assembler.accept(splitIntoChunks(payloadOf(100), { chunkSize: 10, transferId: 'slow' })[0]!);
  assert.equal(assembler.bytesInFlight, 100);
  const [id, error] = await expired;
  assert.equal(id, 'slow');
  assert.equal(error.code, 'TIMEOUT');
  assert.match(error.reason, /1 of 10 chunks/);
  assert.equal(assembler.bytesInFlight, 0);
  assert.equal(assembler.transfersInFlight, 0);
});

test('close drops transfers in progress without reporting them as expired', () => {
  let expiredCount = 0;
  const assembler = new ChunkAssembler({ ...roomy, idleTimeoutMs: 1, onExpired: () => expiredCount++ });
  assembler.accept(splitIntoChunks(payloadOf(100), { chunkSize: 10, transferId: 't' })[0]!);
  assembler.close();
  assert.equal(assembler.transfersInFlight, 0);
  assert.equal(expiredCount, 0);
});

test('an envelope too large for one frame crosses as chunk envelopes and decodes whole', () => {
  const task = samplePayloads().find((p) => p.case === 'roundTask')!;
  const original = envelopeOf(task, 'big');
  const frame = encodeEnvelope(original);
  const maxMessageBytes = 256;
  assert.ok(frame.length > maxMessageBytes);
  const assembler = new ChunkAssembler(roomy);
  let whole: Uint8Array | undefined;
  for (const chunk of splitIntoChunks(frame, { chunkSize: 128, transferId: 'big' })) {
    const wire = encodeEnvelope(envelopeOf({ case: 'chunk', value: chunk }, `c${chunk.index}`));
    const received = decodeEnvelope(wire, { maxMessageBytes });
    assert.equal(received.payload.case, 'chunk');
    if (received.payload.case === 'chunk') whole = assembler.accept(received.payload.value);
  }
  assert.ok(whole);
  assert.deepEqual(decodeEnvelope(whole, { maxMessageBytes: frame.length }), original);
});
