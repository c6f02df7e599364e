import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEnvelope, encodeEnvelope, rejectCodeFor } from '../../src/wire/codec.ts';
import { WireError, isWireError, type WireErrorCode } from '../../src/wire/errors.ts';
import type { Envelope, EnvelopeOf, Payload, PayloadCase } from '../../src/wire/messages.ts';
import { envelopeType } from '../../src/wire/schema.ts';
import { envelopeOf, samplePayloads } from './fixtures.ts';

const limits = { maxMessageBytes: 1 << 20 };

function payload<K extends PayloadCase>(kind: K): EnvelopeOf<K>['payload'] {
  const found = samplePayloads().find((p) => p.case === kind);
  assert.ok(found, `fixture for ${kind}`);
  return found as EnvelopeOf<K>['payload'];
}

function rejects(fn: () => unknown, code: WireErrorCode, reason?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isWireError(e), `expected a WireError, got ${String(e)}`);
    assert.equal(e.code, code, e.reason);
    if (reason) assert.match(e.reason, reason);
    return true;
  });
}

/** Encodes with protobufjs directly, bypassing our checks: what a buggy or hostile peer could send. */
function rawEnvelope(fields: Record<string, unknown>): Uint8Array {
  return envelopeType.encode(fields).finish();
}

for (const p of samplePayloads()) {
  test(`${p.case} survives encode then decode unchanged`, () => {
    const envelope = envelopeOf(p, `id-${p.case}`);
    assert.deepEqual(decodeEnvelope(encodeEnvelope(envelope), limits), envelope);
  });
}

test('every payload case of the .proto has a round-trip fixture', () => {
  const cases = envelopeType.oneofs['payload']!.fieldsArray.map((f) => f.name).sort();
  assert.deepEqual(samplePayloads().map((p) => p.case).sort(), cases);
});

test('decoding fills proto3 defaults and leaves unset optional fields out', () => {
  const heartbeat: Payload = { case: 'heartbeat', value: { timestampMs: 0, state: 'idle' } };
  const decoded = decodeEnvelope(encodeEnvelope(envelopeOf(heartbeat)), limits);
  assert.deepEqual(decoded.payload, heartbeat);
  assert.equal('round' in decoded.payload.value, false);
});

test('decodes from an ArrayBuffer as browsers receive it', () => {
  const bytes = encodeEnvelope(envelopeOf(payload('ack')));
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  assert.deepEqual(decodeEnvelope(buffer, limits).payload, payload('ack'));
});

test('the payload case narrows the value type', () => {
  const env: Envelope = decodeEnvelope(encodeEnvelope(envelopeOf(payload('update'))), limits);
  assert.equal(env.payload.case, 'update');
  if (env.payload.case === 'update') assert.equal(env.payload.value.kind, 'delta');
});

test('garbage bytes are MALFORMED', () => {
  rejects(() => decodeEnvelope(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]), limits), 'MALFORMED');
});

test('bytes that protobuf silently accepts but carry no envelope are MALFORMED', () => {
  // Field 99 as a varint: valid protobuf, unknown to Envelope, so every field is left at its default.
  rejects(() => decodeEnvelope(new Uint8Array([0x98, 0x06, 0x01]), limits), 'MALFORMED', /no protocol version/);
});

test('a message cut short is TRUNCATED', () => {
  const bytes = encodeEnvelope(envelopeOf(payload('roundTask')));
  rejects(() => decodeEnvelope(bytes.subarray(0, bytes.length - 20), limits), 'TRUNCATED');
});

test('a message over the size limit is TOO_LARGE before it is decoded', () => {
  const garbage = new Uint8Array(2048).fill(0xff); // would be MALFORMED if it were decoded
  rejects(() => decodeEnvelope(garbage, { maxMessageBytes: 2047 }), 'TOO_LARGE');
});

test('an unsupported protocol version is BAD_VERSION', () => {
  const bytes = encodeEnvelope({ ...envelopeOf(payload('ack')), protocolVersion: 2 });
  rejects(() => decodeEnvelope(bytes, limits), 'BAD_VERSION', /version 2/);
});

test('a version listed in supportedVersions is accepted', () => {
  const bytes = encodeEnvelope({ ...envelopeOf(payload('ack')), protocolVersion: 2 });
  assert.equal(decodeEnvelope(bytes, { ...limits, supportedVersions: [1, 2] }).protocolVersion, 2);
});

test('an envelope without a payload is MISSING_FIELD', () => {
  rejects(() => decodeEnvelope(rawEnvelope({ protocolVersion: 1, messageId: 'x' }), limits), 'MISSING_FIELD', /payload/);
});

test('an envelope with two payloads is BAD_VALUE', () => {
  const bytes = rawEnvelope({ protocolVersion: 1, messageId: 'x', ack: { inReplyTo: 'a' }, heartbeat: { state: 1 } });
  rejects(() => decodeEnvelope(bytes, limits), 'BAD_VALUE', /one is allowed/);
});

test('a required string left empty is MISSING_FIELD, naming the field', () => {
  const bytes = rawEnvelope({ protocolVersion: 1, messageId: 'x', ack: { accepted: true } });
  rejects(() => decodeEnvelope(bytes, limits), 'MISSING_FIELD', /envelope\.ack\.inReplyTo/);
});

test('a required message left out is MISSING_FIELD', () => {
  const { weights: _weights, ...withoutWeights } = payload('roundTask').value;
  const bytes = rawEnvelope({ protocolVersion: 1, messageId: 'x', roundTask: { ...withoutWeights, config: { localEpochs: 1 } } });
  rejects(() => decodeEnvelope(bytes, limits), 'MISSING_FIELD', /roundTask\.weights/);
});

test('an enum value this version does not know is BAD_VALUE', () => {
  const bytes = rawEnvelope({ protocolVersion: 1, messageId: 'x', heartbeat: { state: 99 } });
  rejects(() => decodeEnvelope(bytes, limits), 'BAD_VALUE', /ClientState/);
});

test('a 64-bit count beyond 2^53 is BAD_VALUE', () => {
  const bytes = rawEnvelope({ protocolVersion: 1, messageId: 'x', heartbeat: { state: 1, timestampMs: '18446744073709551615' } });
  rejects(() => decodeEnvelope(bytes, limits), 'BAD_VALUE', /2\^53/);
});

test('a NaN metric is NON_FINITE', () => {
  const update = payload('update');
  const bytes = rawEnvelope({ protocolVersion: 1, messageId: 'x', update: { ...update.value, kind: 2, weights: { tensors: [] }, metrics: { loss: NaN } } });
  rejects(() => decodeEnvelope(bytes, limits), 'NON_FINITE', /metrics/);
});

test('statistics whose sumOuter is not dim x dim are BAD_SHAPE', () => {
  const update = payload('update');
  const stats = update.value.statistics!;
  const broken = { ...stats, classes: [{ ...stats.classes[0]!, sumOuter: new Float64Array(4) }] };
  rejects(() => encodeEnvelope(envelopeOf({ case: 'update', value: { ...update.value, statistics: broken } })), 'BAD_SHAPE', /sumOuter/);
});

test('geometry with eigenvectors not matching eigenvalues x dim is BAD_SHAPE', () => {
  const task = payload('roundTask');
  const geometry = task.value.geometry!;
  const broken = { ...geometry, classes: [{ ...geometry.classes[0]!, eigenvectors: new Float64Array(5) }] };
  rejects(() => encodeEnvelope(envelopeOf({ case: 'roundTask', value: { ...task.value, geometry: broken } })), 'BAD_SHAPE', /eigenvectors/);
});

test('a tensor whose data does not fill its shape is BAD_SHAPE at the envelope level', () => {
  const task = payload('roundTask');
  const [first, ...rest] = task.value.weights.tensors;
  const short = { ...first!, data: first!.data.subarray(4) };
  const bytes = rawEnvelope({
    protocolVersion: 1,
    messageId: 'x',
    roundTask: { modelSpec: 'm', config: {}, weights: { tensors: [{ ...short, dtype: 1, encoding: 1 }, ...rest.map((t) => ({ ...t, dtype: 1, encoding: 1 }))] } },
  });
  rejects(() => decodeEnvelope(bytes, limits), 'BAD_SHAPE', /dense\/kernel/);
});

test('a classifier checksum that is not a SHA-256 is BAD_VALUE', () => {
  const task = payload('roundTask');
  const classifier = { ...task.value.classifier!, checksum: new Uint8Array(16) };
  rejects(() => encodeEnvelope(envelopeOf({ case: 'roundTask', value: { ...task.value, classifier } })), 'BAD_VALUE', /checksum/);
});

test('a chunk index past its total is BAD_VALUE', () => {
  const chunk = { ...payload('chunk').value, index: 3 };
  rejects(() => encodeEnvelope(envelopeOf({ case: 'chunk', value: chunk })), 'BAD_VALUE', /index 3/);
});

test('encoding refuses what decoding would refuse: an empty message id', () => {
  rejects(() => encodeEnvelope({ ...envelopeOf(payload('ack')), messageId: '' }), 'MISSING_FIELD', /messageId/);
});

test('encoding refuses an enum name the .proto does not define', () => {
  const bad = { case: 'heartbeat', value: { timestampMs: 1, state: 'sleeping' } } as unknown as Payload;
  rejects(() => encodeEnvelope(envelopeOf(bad)), 'BAD_VALUE', /sleeping/);
});

test('WireErrors map to the Reject code a receiver answers with', () => {
  assert.equal(rejectCodeFor(new WireError('BAD_VERSION', 'v2')), 'unsupported_version');
  assert.equal(rejectCodeFor(new WireError('TOO_LARGE', 'big')), 'too_large');
  assert.equal(rejectCodeFor(new WireError('NON_FINITE', 'nan')), 'malformed');
});
