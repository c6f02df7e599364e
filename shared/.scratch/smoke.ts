import { encodeEnvelope, decodeEnvelope } from '../src/wire/codec.ts';
import { encodeBundle } from '../src/wire/tensorCodec.ts';
const w = encodeBundle([{ name: 'a', shape: [2, 2], values: new Float32Array([1, 2, 3, 4]) }], 'f16');
const bytes = encodeEnvelope({ protocolVersion: 1, messageId: 'm1', payload: { case: 'update', value: {
  round: 3, modelVersion: 2, clientId: 'c', numSamples: 10, localSteps: 5, kind: 'delta', weights: w,
  statistics: { dim: 2, classes: [{ label: 1, count: 2 ** 40, sum: new Float64Array([1, 2]), sumOuter: new Float64Array([1, 2, 2, 4]) }] },
  metrics: { loss: 0.5 }, extraTensors: { 'scaffold/c': w } } } });
console.log(bytes.length);
const env = decodeEnvelope(bytes, { maxMessageBytes: 1e6 });
console.dir(env, { depth: 8 });
