import { ChunkAssembler, splitIntoChunks } from '../../src/wire/chunking.ts';
import { decodeEnvelope, encodeEnvelope } from '../../src/wire/codec.ts';
import { isWireError } from '../../src/wire/errors.ts';
import { decodeBundle, encodeBundle } from '../../src/wire/tensorCodec.ts';

/**
 * A whole exchange through the wire modules, bundled for the browser by browserBundle.test.ts and run where
 * Node's globals (Buffer, process, require) do not exist. Returns plain data: typed arrays do not cross realms.
 */
export function run(): { decodedCase: string; maxError: number; chunks: number; garbageCode: string } {
  const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
  const spec = [{ name: 'w', shape: [10, 100] }];
  const frame = encodeEnvelope({
    protocolVersion: 1,
    messageId: 'task-1',
    payload: {
      case: 'roundTask',
      value: {
        round: 1,
        modelVersion: 1,
        modelSpec: 'tiny',
        weights: encodeBundle([{ ...spec[0]!, values }], 'f16'),
        config: { localEpochs: 1, batchSize: 8, learningRate: 0.1, optimizer: 'sgd', proximalMu: 0, flags: {}, params: {} },
        deadlineMs: 1000,
        extraTensors: {},
      },
    },
  });
  const chunks = splitIntoChunks(frame, { chunkSize: 512, transferId: 'x' });
  const assembler = new ChunkAssembler({ maxBytesInFlight: 1 << 20, maxTransfers: 1, idleTimeoutMs: 1000 });
  let whole: Uint8Array | undefined;
  for (const chunk of chunks) {
    const received = decodeEnvelope(encodeEnvelope({ protocolVersion: 1, messageId: `c${chunk.index}`, payload: { case: 'chunk', value: chunk } }), { maxMessageBytes: 1024 });
    if (received.payload.case === 'chunk') whole = assembler.accept(received.payload.value);
  }
  const envelope = decodeEnvelope(whole!, { maxMessageBytes: 1 << 20 });
  let maxError = NaN;
  if (envelope.payload.case === 'roundTask') {
    const [decoded] = decodeBundle(envelope.payload.value.weights, spec);
    maxError = decoded!.values.reduce((m, v, i) => Math.max(m, Math.abs(v - values[i]!)), 0);
  }
  let garbageCode = 'none';
  try {
    decodeEnvelope(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]), { maxMessageBytes: 100 });
  } catch (e) {
    garbageCode = isWireError(e) ? e.code : String(e);
  }
  return { decodedCase: envelope.payload.case, maxError, chunks: chunks.length, garbageCode };
}
