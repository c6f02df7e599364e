import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitIntoChunks } from '../../src/wire/chunking.ts';
import { encodeEnvelope } from '../../src/wire/codec.ts';
import { encodeFrames, FrameReader, framesOf, frameBytes } from '../../src/wire/framing.ts';
import type { Envelope } from '../../src/wire/messages.ts';
import { encodeBundle } from '../../src/wire/tensorCodec.ts';

function taskEnvelope(values: number): Envelope {
  return {
    protocolVersion: 1,
    messageId: 'task-1',
    payload: {
      case: 'roundTask',
      value: {
        round: 1,
        modelVersion: 0,
        modelSpec: '{"type":"mlp"}',
        weights: encodeBundle([{ name: 'w', shape: [values], values: Float32Array.from({ length: values }, (_, i) => i / 7) }], 'f32'),
        config: { localEpochs: 1, batchSize: 8, learningRate: 0.1, optimizer: 'sgd', proximalMu: 0, flags: {}, params: {} },
        deadlineMs: 1000,
        extraTensors: {},
      },
    },
  };
}

const reader = (maxFrameBytes: number) => new FrameReader({ maxFrameBytes, maxPayloadBytes: 1 << 20, idleTimeoutMs: 1000 });

test('a message within the frame limit travels as one frame', () => {
  const frames = encodeFrames(taskEnvelope(10), 4096);
  assert.equal(frames.length, 1);
  assert.deepEqual(reader(4096).read(frames[0]), taskEnvelope(10));
});

test('a larger message travels in chunks no larger than the limit and is reassembled whole', () => {
  const frames = encodeFrames(taskEnvelope(10_000), 4096);
  assert.ok(frames.length >= 10);
  assert.ok(frames.every((f) => f.length <= 4096));
  const r = reader(4096);
  const results = frames.map((f) => r.read(Buffer.from(f)));
  assert.deepEqual(results.slice(0, -1), Array(frames.length - 1).fill(undefined));
  assert.deepEqual(results.at(-1), taskEnvelope(10_000));
  assert.equal(r.transfersInFlight, 0);
});

test('frames above the limit and reassembled messages above the payload limit are refused', () => {
  const big = encodeEnvelope(taskEnvelope(2000));
  assert.throws(() => reader(4096).read(big), { code: 'TOO_LARGE' });
  const small = new FrameReader({ maxFrameBytes: 4096, maxPayloadBytes: 6000, idleTimeoutMs: 1000 });
  assert.throws(() => small.read(framesOf(big, 4096, 't')[0]), { code: 'TOO_LARGE' });
});

test('chunks do not nest', () => {
  // A whole transfer whose payload is itself a chunk envelope.
  const innerChunk = framesOf(encodeEnvelope(taskEnvelope(3000)), 4096, 'inner')[0]!;
  const pieces = splitIntoChunks(innerChunk, { chunkSize: 2048, transferId: 'outer' });
  const r = reader(4096);
  const frames = pieces.map((chunk) => encodeEnvelope({ protocolVersion: 1, messageId: `o${chunk.index}`, payload: { case: 'chunk', value: chunk } }));
  frames.slice(0, -1).forEach((f) => assert.equal(r.read(f), undefined));
  assert.throws(() => r.read(frames.at(-1)), { code: 'BAD_CHUNK' });
});

test('a frame must be binary', () => {
  assert.throws(() => frameBytes('text'), /must be binary/);
  assert.deepEqual(frameBytes(new Uint8Array([1, 2]).buffer), new Uint8Array([1, 2]));
});
