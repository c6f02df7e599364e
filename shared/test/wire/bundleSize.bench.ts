/**
 * Encoded size and speed of a 1M-parameter model in each tensor encoding, sent as a RoundTask envelope.
 * Run: npx tsx shared/test/wire/bundleSize.bench.ts
 */
import { Rng } from '../../src/math/rng.ts';
import { splitIntoChunks } from '../../src/wire/chunking.ts';
import { decodeEnvelope, encodeEnvelope } from '../../src/wire/codec.ts';
import type { Encoding } from '../../src/wire/messages.ts';
import { decodeBundle, encodeBundle, type NamedTensor } from '../../src/wire/tensorCodec.ts';
import { envelopeOf, randomValues } from './fixtures.ts';

const SOCKET_IO_DEFAULT_MAX = 1_000_000; // socket.io's default maxHttpBufferSize
const rng = new Rng('bundle-size');
const shapes: [string, number[]][] = [
  ['dense1/kernel', [784, 1200]],
  ['dense1/bias', [1200]],
  ['dense2/kernel', [1200, 48]],
  ['dense2/bias', [48]],
  ['head/kernel', [32, 11]],
];
const model: NamedTensor[] = shapes.map(([name, shape]) => ({ name, shape, values: randomValues(rng, shape.reduce((a, b) => a * b, 1), 0.05) }));
const parameters = model.reduce((n, t) => n + t.values.length, 0);

function median(fn: () => void, runs = 5): number {
  const times = Array.from({ length: runs }, () => {
    const start = performance.now();
    fn();
    return performance.now() - start;
  });
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

const rows = (['f32', 'f16', 'int8'] as Encoding[]).map((encoding) => {
  const envelope = () =>
    envelopeOf({
      case: 'roundTask',
      value: {
        round: 1, modelVersion: 1, modelSpec: 'mlp-1m', weights: encodeBundle(model, encoding),
        config: { localEpochs: 1, batchSize: 32, learningRate: 0.05, optimizer: 'sgd', proximalMu: 0, flags: {}, params: {} },
        deadlineMs: 60_000, extraTensors: {},
      },
    });
  const bytes = encodeEnvelope(envelope());
  const limits = { maxMessageBytes: bytes.length };
  const decodeAll = () => {
    const env = decodeEnvelope(bytes, limits);
    if (env.payload.case !== 'roundTask') throw new Error('unexpected payload');
    return decodeBundle(env.payload.value.weights, model);
  };
  let maxError = 0;
  decodeAll().forEach((t, i) => t.values.forEach((v, j) => (maxError = Math.max(maxError, Math.abs(v - model[i]!.values[j]!)))));
  return {
    encoding,
    'envelope bytes': bytes.length,
    'bytes / param': +(bytes.length / parameters).toFixed(4),
    'vs f32': 0,
    [`chunks @${SOCKET_IO_DEFAULT_MAX}`]: splitIntoChunks(bytes, { chunkSize: SOCKET_IO_DEFAULT_MAX - 256, transferId: 'b' }).length,
    'encode ms': +median(() => encodeEnvelope(envelope())).toFixed(1),
    'decode+check ms': +median(decodeAll).toFixed(1),
    'max abs error': +maxError.toExponential(2),
  };
});
for (const r of rows) r['vs f32'] = +(r['envelope bytes'] / rows[0]!['envelope bytes']).toFixed(3);
console.log(`${parameters} parameters in ${model.length} tensors, values ~ N(0, 0.05^2)`);
console.table(rows);
