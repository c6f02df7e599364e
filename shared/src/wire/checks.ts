import type { MessageChecks } from './convert.ts';
import { WireError } from './errors.ts';
import type {
  Ack,
  Chunk,
  ClassStatistics,
  FixedClassifier,
  GeometrySnapshot,
  Tensor,
  TensorBundle,
} from './messages.ts';
import { assertUniqueNames, checkTensorLayout } from './tensorCodec.ts';

/**
 * Per-message rules from the .proto's comments that go beyond "Required." and finite numbers: lengths that must
 * agree with declared dimensions, ranges, digest sizes. Run on every message encoded or decoded.
 */

const SHA256_BYTES = 32;

function expectLength(actual: number, expected: number, path: string, what: string): void {
  if (actual !== expected) throw new WireError('BAD_SHAPE', `${path}: ${what} has ${actual} values, expected ${expected}`);
}

function expectPositive(n: number, path: string): void {
  if (n < 1) throw new WireError('BAD_VALUE', `${path} must be >= 1, got ${n}`);
}

function checkGeometry(g: GeometrySnapshot, path: string): void {
  expectPositive(g.dim, `${path}.dim`);
  g.classes.forEach((c, i) => {
    const at = `${path}.classes[${i}]`;
    expectLength(c.prototype.length, g.dim, at, 'prototype');
    if (c.eigenvalues.length > g.dim) throw new WireError('BAD_SHAPE', `${at}: ${c.eigenvalues.length} eigenvalues for dimension ${g.dim}`);
    expectLength(c.eigenvectors.length, c.eigenvalues.length * g.dim, at, 'eigenvectors');
    if (c.eigenvalues.some((v) => v < 0) || c.residualVariance < 0) {
      throw new WireError('BAD_VALUE', `${at}: eigenvalues and residual variance must be >= 0`);
    }
  });
}

function checkStatistics(s: ClassStatistics, path: string): void {
  expectPositive(s.dim, `${path}.dim`);
  s.classes.forEach((c, i) => {
    const at = `${path}.classes[${i}]`;
    expectLength(c.sum.length, s.dim, at, 'sum');
    expectLength(c.sumOuter.length, s.dim * s.dim, at, 'sumOuter');
  });
}

function checkClassifier(c: FixedClassifier, path: string): void {
  if (c.checksum.length !== SHA256_BYTES) throw new WireError('BAD_VALUE', `${path}.checksum must be ${SHA256_BYTES} bytes, got ${c.checksum.length}`);
  const matrix = c.weights?.tensors;
  if (matrix === undefined) return;
  const [only] = matrix;
  if (matrix.length !== 1 || only!.shape.length !== 2 || only!.shape[0] !== c.dim || only!.shape[1] !== c.numClasses) {
    throw new WireError('BAD_SHAPE', `${path}.weights must be one tensor of shape [${c.dim}, ${c.numClasses}]`);
  }
}

/** Also used by the ChunkAssembler on chunks built in-process. */
export function checkChunk(c: Chunk, path = `chunk ${c.index} of transfer ${c.transferId}`): void {
  if (c.total < 1 || c.index >= c.total) throw new WireError('BAD_VALUE', `${path}: index ${c.index} is outside [0, ${c.total})`);
  if (c.sha256.length !== SHA256_BYTES) throw new WireError('BAD_VALUE', `${path}: sha256 must be ${SHA256_BYTES} bytes, got ${c.sha256.length}`);
  if (c.data.length > c.totalBytes) throw new WireError('BAD_CHUNK', `${path}: ${c.data.length} bytes exceed the payload's ${c.totalBytes}`);
}

/** A refusal says why and what the client may do about it; an acceptance says neither. */
function checkAck(a: Ack, path: string): void {
  const explained = a.code !== undefined && a.verdict !== undefined && a.reason !== '';
  if (a.accepted && (a.code !== undefined || a.verdict !== undefined || a.reason !== '')) {
    throw new WireError('BAD_VALUE', `${path}: an accepting Ack carries no code, verdict or reason`);
  }
  if (!a.accepted && !explained) throw new WireError('MISSING_FIELD', `${path}: a refusing Ack needs a code, a verdict and a reason`);
}

export const messageChecks: MessageChecks = {
  Ack: checkAck,
  Tensor: (t: Tensor, path: string) => checkTensorLayout(t, `${path} (${t.name})`),
  TensorBundle: (b: TensorBundle, path: string) => assertUniqueNames(b, path),
  GeometrySnapshot: checkGeometry,
  ClassStatistics: checkStatistics,
  FixedClassifier: checkClassifier,
  Chunk: (c: Chunk, path: string) => checkChunk(c, path),
};
