import { buildFixedClassifier } from '../../src/math/classifiers/index.ts';
import { Rng } from '../../src/math/rng.ts';
import { PROTOCOL_VERSION, type Envelope, type Payload, type TensorBundle } from '../../src/wire/messages.ts';
import { classifierToWire } from '../../src/wire/methodPayload.ts';
import { encodeBundle, type NamedTensor } from '../../src/wire/tensorCodec.ts';

/** Fully populated examples of every payload, optional fields set, for round-trip tests. */

export function randomValues(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

export function smallModel(rng: Rng): NamedTensor[] {
  return [
    { name: 'dense/kernel', shape: [4, 3], values: randomValues(rng, 12) },
    { name: 'dense/bias', shape: [3], values: randomValues(rng, 3) },
    { name: 'temperature', shape: [], values: new Float32Array([10]) },
  ];
}

export function envelopeOf(payload: Payload, messageId = 'msg-1'): Envelope {
  return { protocolVersion: PROTOCOL_VERSION, messageId, payload };
}

export function samplePayloads(): Payload[] {
  const rng = new Rng('wire-fixtures');
  const weights: TensorBundle = encodeBundle(smallModel(rng), 'f32');
  // A real classifier, so that its checksum is the one receivers verify (spec and weights, see checksumOf).
  const classifier = classifierToWire(buildFixedClassifier({ type: 'sparse-etf', numClasses: 3, dim: 8, seed: 42 }), true);
  const dim = 3;
  return [
    {
      case: 'join',
      value: {
        clientId: 'client-7',
        token: 'secret-token',
        protocolVersion: PROTOCOL_VERSION,
        capabilities: {
          encodings: ['f16', 'f32', 'int8'],
          maxMessageBytes: 1_048_576,
          backend: 'wasm',
          device: { runtime: 'browser', platform: 'linux x64', userAgent: 'Mozilla/5.0', cpuCores: 8, memoryMib: 4096 },
          methods: ['fedavg', 'geofed'],
          modelTypes: ['mlp'],
        },
      },
    },
    {
      case: 'joinAccepted',
      value: { inReplyTo: 'msg-0', protocolVersion: 1, uploadEncoding: 'f16', maxMessageBytes: 8_388_608, heartbeatIntervalMs: 5000 },
    },
    { case: 'reject', value: { code: 'capacity', reason: 'coordinator full — retry later', inReplyTo: 'msg-0', retryAfterMs: 30_000, verdict: 'retryable' } },
    {
      case: 'roundTask',
      value: {
        round: 12,
        modelVersion: 12,
        modelSpec: 'cnn-small',
        weights,
        config: {
          localEpochs: 2,
          batchSize: 32,
          learningRate: 0.05,
          optimizer: 'sgd',
          proximalMu: 0.01,
          maxLocalSteps: 100,
          seed: 1234,
          flags: { balanced_softmax: true, feature_synthesis: false },
          params: { prototype_lambda: 0.1, temperature_init: 10 },
        },
        classifier,
        geometry: {
          round: 10,
          dim,
          classes: [
            {
              label: 0,
              count: 120,
              prototype: new Float64Array([0.1, -0.2, 0.3]),
              eigenvalues: new Float64Array([2, 0.5]),
              eigenvectors: new Float64Array([1, 0, 0, 0, 1, 0]),
              residualVariance: 0.01,
            },
            {
              label: 2,
              count: 7,
              prototype: new Float64Array([1, 1, 1]),
              eigenvalues: new Float64Array([]),
              eigenvectors: new Float64Array([]),
              residualVariance: 0,
            },
          ],
        },
        deadlineMs: 60_000,
        extraTensors: { 'scaffold/c': encodeBundle(smallModel(rng), 'f16') },
      },
    },
    {
      case: 'update',
      value: {
        round: 12,
        modelVersion: 12,
        clientId: 'client-7',
        numSamples: 2 ** 40,
        localSteps: 64,
        kind: 'delta',
        weights: encodeBundle(smallModel(rng), 'int8'),
        statistics: {
          dim,
          classes: [
            {
              label: 0,
              count: 40,
              sum: new Float64Array([1.5, -2.25, 1e-300]),
              sumOuter: new Float64Array([1, 2, 3, 2, 5, 6, 3, 6, 9]),
            },
          ],
        },
        metrics: { loss: 0.42, accuracy: 0.9 },
        extraTensors: { 'scaffold/delta_c': encodeBundle(smallModel(rng), 'f32') },
      },
    },
    { case: 'ack', value: { inReplyTo: 'msg-9', accepted: false, reason: 'round 12 already closed', code: 'stale', verdict: 'final' } },
    { case: 'runEnded', value: { lastRound: 20, reason: 'all 20 rounds done' } },
    { case: 'heartbeat', value: { timestampMs: 1_767_225_600_000, state: 'training', round: 12, progress: 0.5 } },
    {
      case: 'chunk',
      value: {
        transferId: 't-1',
        index: 1,
        total: 3,
        totalBytes: 9,
        sha256: new Uint8Array(32).fill(7),
        data: new Uint8Array([1, 2, 3]),
      },
    },
  ];
}
