/**
 * TypeScript shapes of the messages in shared/proto/geofed.proto (read the .proto for what each field means).
 * Field names are the .proto's in camelCase. Enums are the value names without their prefix, lower-cased
 * (ENCODING_F16 -> 'f16'); *_UNSPECIFIED never appears. 64-bit integers are numbers (the decoder refuses values
 * beyond 2^53). `repeated double` fields are Float64Arrays. Fields marked optional (`?`) are the ones the .proto
 * lets a sender leave unset; every other field is always present after decoding (proto3 defaults filled in).
 */

export const PROTOCOL_VERSION = 1;

export type Encoding = 'f32' | 'f16' | 'int8';
export type DType = 'float32';

export interface Tensor {
  name: string;
  shape: number[];
  dtype: DType;
  encoding: Encoding;
  data: Uint8Array;
  /** ENCODING_INT8 only. */
  scale: number;
  /** ENCODING_INT8 only; unset means 0. */
  zeroPoint?: number;
}

export interface TensorBundle {
  tensors: Tensor[];
}

export interface DeviceInfo {
  runtime: string;
  platform: string;
  userAgent: string;
  cpuCores: number;
  memoryMib: number;
}

export interface Capabilities {
  encodings: Encoding[];
  maxMessageBytes: number;
  backend: string;
  device: DeviceInfo;
  methods: string[];
  modelTypes: string[];
}

export interface Join {
  clientId: string;
  token: string;
  protocolVersion: number;
  capabilities: Capabilities;
}

export interface JoinAccepted {
  inReplyTo: string;
  protocolVersion: number;
  uploadEncoding: Encoding;
  maxMessageBytes: number;
  heartbeatIntervalMs: number;
}

export type RejectCode =
  | 'unsupported_version'
  | 'unauthorized'
  | 'malformed'
  | 'too_large'
  | 'capacity'
  | 'stale'
  | 'unsupported'
  | 'deadline'
  | 'internal'
  | 'policy';

export type Verdict = 'retryable' | 'final';

export interface Reject {
  code: RejectCode;
  reason: string;
  inReplyTo: string;
  retryAfterMs: number;
  verdict: Verdict;
}

export interface TrainingConfig {
  localEpochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: string;
  proximalMu: number;
  maxLocalSteps?: number;
  seed?: number;
  flags: Record<string, boolean>;
  params: Record<string, number>;
}

export type ClassifierType = 'simplex_etf' | 'sparse_etf' | 'd_simplex' | 'd_orthoplex' | 'd_cube' | 'ebv';

export interface FixedClassifier {
  type: ClassifierType;
  numClasses: number;
  dim: number;
  seed: number;
  /** SHA-256 (32 bytes) of the canonical spec and the matrix: the classifier module's `checksumOf`. */
  checksum: Uint8Array;
  weights?: TensorBundle;
  params: Record<string, number>;
}

export interface ClassGeometry {
  label: number;
  count: number;
  /** dim values. */
  prototype: Float64Array;
  /** p values, descending. */
  eigenvalues: Float64Array;
  /** p x dim, row m is the eigenvector of eigenvalues[m]. */
  eigenvectors: Float64Array;
  residualVariance: number;
}

export interface GeometrySnapshot {
  round: number;
  dim: number;
  classes: ClassGeometry[];
}

export interface RoundTask {
  round: number;
  modelVersion: number;
  modelSpec: string;
  weights: TensorBundle;
  config: TrainingConfig;
  classifier?: FixedClassifier;
  geometry?: GeometrySnapshot;
  deadlineMs: number;
  extraTensors: Record<string, TensorBundle>;
}

export type UpdateKind = 'weights' | 'delta';

export interface ClassStatistic {
  label: number;
  count: number;
  /** dim values: sum of z. */
  sum: Float64Array;
  /** dim x dim values, row-major: sum of z z^T. */
  sumOuter: Float64Array;
}

export interface ClassStatistics {
  dim: number;
  classes: ClassStatistic[];
}

export interface Update {
  round: number;
  modelVersion: number;
  clientId: string;
  numSamples: number;
  localSteps: number;
  kind: UpdateKind;
  weights: TensorBundle;
  statistics?: ClassStatistics;
  metrics: Record<string, number>;
  extraTensors: Record<string, TensorBundle>;
}

export interface Ack {
  inReplyTo: string;
  accepted: boolean;
  reason: string;
  /** Set if and only if the update was not accepted. */
  code?: RejectCode;
  /** Set if and only if the update was not accepted. */
  verdict?: Verdict;
}

export interface RunEnded {
  lastRound: number;
  reason: string;
}

export type ClientState = 'idle' | 'downloading' | 'training' | 'uploading';

export interface Heartbeat {
  timestampMs: number;
  state: ClientState;
  round?: number;
  progress?: number;
}

export interface Chunk {
  transferId: string;
  index: number;
  total: number;
  totalBytes: number;
  sha256: Uint8Array;
  data: Uint8Array;
}

/** The Envelope's payload cases and the message each carries. */
export interface PayloadMap {
  join: Join;
  joinAccepted: JoinAccepted;
  reject: Reject;
  roundTask: RoundTask;
  update: Update;
  ack: Ack;
  heartbeat: Heartbeat;
  chunk: Chunk;
  runEnded: RunEnded;
}

export type PayloadCase = keyof PayloadMap;

/** `switch (payload.case)` narrows `payload.value` to the matching message. */
export type Payload = { [K in PayloadCase]: { case: K; value: PayloadMap[K] } }[PayloadCase];

export interface Envelope {
  protocolVersion: number;
  messageId: string;
  payload: Payload;
}

/** An envelope whose payload is known to be of case K. */
export type EnvelopeOf<K extends PayloadCase> = Envelope & { payload: { case: K; value: PayloadMap[K] } };
