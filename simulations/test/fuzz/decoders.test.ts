/**
 * Property-based fuzzing (fast-check) of every decoder and validator that untrusted input reaches: envelopes,
 * chunks and their reassembly, tensor bundles in each encoding, class statistics, client updates, strategy specs
 * and run configs. Each property: whatever the input, the code either accepts it or refuses it with its own
 * error type and a non-empty reason; nothing else escapes. The seed is fixed so CI runs are reproducible; the
 * number of generated cases is printed at the end.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createStrategy } from '@geofed/coordinator/strategies/index';
import { clientStatsProblem } from '@geofed/coordinator/geometry/statsChecks';
import { parseCoordinatorConfig } from '@geofed/coordinator/config/coordinatorConfig';
import { isGeoFedError } from '@geofed/shared/errors';
import { validateStats } from '@geofed/shared/geometry/stats';
import { ChunkAssembler, splitIntoChunks } from '@geofed/shared/wire/chunking';
import { decodeEnvelope, encodeEnvelope } from '@geofed/shared/wire/codec';
import { isWireError } from '@geofed/shared/wire/errors';
import type { Chunk, Tensor } from '@geofed/shared/wire/messages';
import { statisticsFromWire } from '@geofed/shared/wire/methodPayload';
import { decodeBundle } from '@geofed/shared/wire/tensorCodec';
import { parseSimulationConfig } from '../../src/config/simulationConfig.ts';
import { envelopeOf, samplePayloads } from '../../../shared/test/wire/fixtures.ts';

const SEED = 16;
let cases = 0;
after(() => console.log(`fuzz: ${cases} generated cases, none escaped as an uncaught exception`));

/** Runs `fn` on generated input: it may return, or throw an error of the expected kind with a reason. */
function property<T>(name: string, arbitrary: fc.Arbitrary<T>, numRuns: number, fn: (input: T) => void, expected = isGeoFedError): void {
  test(`fuzz: ${name} (${numRuns} cases)`, () => {
    fc.assert(
      fc.property(arbitrary, (input) => {
        cases++;
        try {
          fn(input);
        } catch (e) {
          if (!expected(e)) throw new Error(`escaped: ${(e as Error)?.stack ?? String(e)}`);
          assert.ok((e as Error).message.trim().length > 0, 'a refusal must say why');
        }
      }),
      { seed: SEED, numRuns },
    );
  });
}

const small = fc.uint8Array({ maxLength: 64 });
const LIMITS = { maxMessageBytes: 4096 };

// Every message type, fully populated (the wire tests' fixtures): mutations start from real frames.
const validFrames = samplePayloads().map((payload) => encodeEnvelope(envelopeOf(payload)));

property('decodeEnvelope on arbitrary bytes', fc.uint8Array({ maxLength: 600 }), 2500, (bytes) => {
  decodeEnvelope(bytes, LIMITS);
}, isWireError);

/** A valid frame with bytes flipped, cut, or inserted: the near misses a parser is most likely to trip on. */
const mutatedFrame = fc
  .tuple(fc.constantFrom(...validFrames), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'cut', 'insert')), { minLength: 1, maxLength: 4 }))
  .map(([frame, edits]) => {
    let bytes = frame;
    for (const [at, value, kind] of edits) {
      const i = bytes.length === 0 ? 0 : at % bytes.length;
      if (kind === 'flip') bytes = Uint8Array.from(bytes, (b, k) => (k === i ? b ^ (value | 1) : b));
      else if (kind === 'cut') bytes = bytes.subarray(0, i);
      else bytes = Uint8Array.from([...bytes.subarray(0, i), value, ...bytes.subarray(i)]);
    }
    return bytes;
  });
test('fuzz: every sample frame decodes before mutation', () => {
  for (const frame of validFrames) decodeEnvelope(frame, LIMITS);
});

property('decodeEnvelope on mutated valid frames', mutatedFrame, 2500, (bytes) => {
  decodeEnvelope(bytes, LIMITS);
}, isWireError);

const tensor: fc.Arbitrary<Tensor> = fc.record({
  name: fc.oneof(fc.constant('w'), fc.string({ maxLength: 4 })),
  shape: fc.array(fc.integer({ min: -2, max: 5 }), { maxLength: 3 }),
  dtype: fc.constant('float32' as const),
  encoding: fc.constantFrom('f32', 'f16', 'int8', 'bf16' as never),
  data: fc.uint8Array({ maxLength: 48 }),
  scale: fc.oneof(fc.double(), fc.constant(0.5)),
  zeroPoint: fc.option(fc.integer({ min: -300, max: 300 }), { nil: undefined }),
});
property('decodeBundle on generated tensors in every encoding', fc.array(tensor, { maxLength: 3 }), 1500, (tensors) => {
  decodeBundle({ tensors }, [{ name: 'w', shape: [2, 2] }]);
  decodeBundle({ tensors });
}, isWireError);

const chunk: fc.Arbitrary<Chunk> = fc.record({
  transferId: fc.constantFrom('t1', 't2', ''),
  index: fc.integer({ min: -1, max: 4 }),
  total: fc.integer({ min: -1, max: 4 }),
  totalBytes: fc.integer({ min: -1, max: 200 }),
  sha256: fc.oneof(small, fc.constant(new Uint8Array(32))),
  data: small,
});
property('ChunkAssembler on generated chunk sequences', fc.array(chunk, { maxLength: 6 }), 1000, (chunks) => {
  const assembler = new ChunkAssembler({ maxBytesInFlight: 1000, maxTransfers: 2, idleTimeoutMs: 60_000 });
  try {
    for (const c of chunks) {
      try {
        assembler.accept(c);
      } catch (e) {
        // Each refusal is a WireError; the assembler must stay usable for the chunks after it.
        if (!isWireError(e)) throw e;
      }
    }
  } finally {
    assembler.close();
  }
}, isWireError);

test('fuzz: reassembly of a split payload, chunks in any order (300 cases)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 64 }), fc.nat(), (payload, chunkSize, shuffleSeed) => {
      cases++;
      const pieces = splitIntoChunks(payload, { chunkSize, transferId: 't' });
      const order = pieces.map((_, i) => i).sort((a, b) => ((a * 7919 + shuffleSeed) % 101) - ((b * 7919 + shuffleSeed) % 101) || a - b);
      const assembler = new ChunkAssembler({ maxBytesInFlight: 1000, maxTransfers: 1, idleTimeoutMs: 60_000 });
      const results = order.map((i) => assembler.accept(pieces[i]!)).filter((r) => r !== undefined);
      assembler.close();
      assert.deepEqual(results, [payload]);
    }),
    { seed: SEED, numRuns: 300 },
  );
});

const DIM = 3;
const float64s = (n: number) => fc.float64Array({ minLength: n, maxLength: n });
const classStat = fc.record({
  label: fc.oneof(fc.integer({ min: -1, max: 3 }), fc.double()),
  count: fc.oneof(fc.integer({ min: -2, max: 50 }), fc.double()),
  sum: fc.oneof(float64s(DIM), float64s(DIM + 1)),
  sumOuter: fc.oneof(float64s(DIM * DIM), float64s(2)),
});
property('statisticsFromWire on generated class statistics', fc.record({ dim: fc.integer({ min: 2, max: 4 }), classes: fc.array(classStat, { maxLength: 3 }) }), 1500, (message) => {
  const stats = statisticsFromWire(message, { numClasses: 3, dim: DIM }, 'fuzz');
  // What passes the wire checks must also be judged, with a reason or none, by the coordinator's deeper checks.
  const problem = clientStatsProblem(stats, { numSamples: 10, clipNorm: 1 });
  assert.ok(problem === undefined || problem.length > 0);
}, isWireError);

property('validateStats on arbitrary values', fc.anything({ withTypedArray: true, maxDepth: 3 }), 1000, (value) => {
  const check = validateStats(value, { numClasses: 3, dim: DIM });
  assert.ok(check.ok || check.reason.length > 0);
});

const update = fc.record({
  clientId: fc.oneof(fc.string({ maxLength: 3 }), fc.constant('')),
  numSamples: fc.oneof(fc.integer({ min: -1, max: 100 }), fc.double()),
  weights: fc.array(fc.oneof(fc.float32Array({ maxLength: 3 }), fc.constant(new Float32Array(2))), { maxLength: 3 }),
});
property('aggregator.add on generated updates (norm bound and validation)', fc.array(update, { maxLength: 6 }), 800, (updates) => {
  for (const spec of [{ name: 'fedavg' }, { name: 'krum' }] as const) {
    const aggregator = createStrategy(spec).startRound(1, [new Float32Array(2)]);
    for (const u of updates) {
      try {
        aggregator.add(u);
      } catch (e) {
        if (!isGeoFedError(e)) throw e;
      }
    }
    aggregator.flush();
  }
});

property('createStrategy on generated specs', fc.anything({ maxDepth: 2 }), 500, (spec) => {
  createStrategy(spec as never);
});

const configish = fc.dictionary(
  fc.constantFrom('dataset', 'model', 'clients', 'rounds', 'strategy', 'method', 'partition', 'local', 'seed', 'privacy', 'secureAggregation', 'port'),
  fc.anything({ maxDepth: 2 }),
  { maxKeys: 4 },
);
property('parseSimulationConfig and parseCoordinatorConfig on generated configs', configish, 500, (raw) => {
  try {
    parseSimulationConfig(raw, '/tmp');
  } finally {
    parseCoordinatorConfig(raw, '/tmp');
  }
});
