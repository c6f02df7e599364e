import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GeoFedError } from '@geofed/shared/errors';
import { writeFileAtomic } from '@geofed/shared/io/atomicWrite';
import type { RngState } from '@geofed/shared/math/rng';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from '@geofed/shared/tensor/safetensors';
import type { WeightList, WeightSpec } from '@geofed/shared/tensor/weights';
import type { EngineState } from '../engine/roundEngine.ts';

/**
 * The coordinator's checkpoint: one safetensors file (any safetensors reader opens it) holding the global weights
 * under `weights/<name>`, the strategy's tensors under `strategy/<key>/<i>`, and in its metadata the round, the
 * strategy's scalars, the sampling RNG state, the method's state (with GeoFed, the published geometry snapshot and
 * any statistics pooled since) and the round history. Written after every round to a temporary file and renamed
 * over the previous one, so a crash at any moment leaves either the previous round's checkpoint or this one,
 * never a mix.
 */

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
const FORMAT = 'geofed-checkpoint';
const VERSION = 1;

export interface Checkpoint<H = unknown> {
  readonly engine: EngineState;
  /** What the coordinator reports about past rounds (kept so /status survives a restart). */
  readonly history: H[];
  /** The model the weights belong to, as the coordinator names it on the wire. */
  readonly modelSpec: string;
}

interface Metadata {
  version: number;
  round: number;
  modelSpec: string;
  weightsChecksum: string;
  rng: RngState;
  strategy: { name: string; round: number; scalars: Record<string, number>; tensors: Record<string, number> };
  method?: unknown;
  history: unknown[];
}

/** SHA-256 (hex) of the weights as little-endian float32, tensor after tensor: the same on every machine. */
export function weightsChecksum(weights: WeightList): string {
  const hash = createHash('sha256');
  for (const w of weights) {
    const bytes = new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
    hash.update(isLittleEndian() ? bytes : swapped(w));
  }
  return hash.digest('hex');
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

function swapped(w: Float32Array): Uint8Array {
  const out = new Uint8Array(w.byteLength);
  const view = new DataView(out.buffer);
  w.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

/**
 * The method's state holds typed arrays (the geometry snapshot, pooled statistics), which plain JSON would turn
 * into objects keyed by index. They are written as tagged number arrays; JSON numbers keep float64 (and so
 * float32) values exactly.
 */
const TYPED_ARRAY = '$typedArray';
type TaggedArray = { [TYPED_ARRAY]: 'Float32Array' | 'Float64Array'; values: number[] };

function typedArraysOut(_key: string, value: unknown): unknown {
  if (value instanceof Float32Array || value instanceof Float64Array) {
    return { [TYPED_ARRAY]: value instanceof Float32Array ? 'Float32Array' : 'Float64Array', values: Array.from(value) } satisfies TaggedArray;
  }
  return value;
}

function typedArraysIn(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !(TYPED_ARRAY in value)) return value;
  const tagged = value as TaggedArray;
  return tagged[TYPED_ARRAY] === 'Float32Array' ? Float32Array.from(tagged.values) : Float64Array.from(tagged.values);
}

export function saveCheckpoint(dir: string, specs: readonly WeightSpec[], checkpoint: Checkpoint): string {
  mkdirSync(dir, { recursive: true });
  const { engine } = checkpoint;
  const tensors: NamedArray[] = specs.map((s, i) => ({ name: `weights/${s.name}`, shape: [...s.shape], data: engine.weights[i]! }));
  const strategyTensors: Record<string, number> = {};
  for (const [key, list] of Object.entries(engine.strategy.tensors)) {
    strategyTensors[key] = list.length;
    list.forEach((t, i) => tensors.push({ name: `strategy/${key}/${i}`, shape: [t.length], data: t }));
  }
  const metadata: Metadata = {
    version: VERSION,
    round: engine.round,
    modelSpec: checkpoint.modelSpec,
    weightsChecksum: weightsChecksum(engine.weights),
    rng: engine.rng,
    strategy: { name: engine.strategy.name, round: engine.strategy.round, scalars: engine.strategy.scalars, tensors: strategyTensors },
    ...(engine.method !== undefined ? { method: engine.method } : {}),
    history: checkpoint.history,
  };
  const file = join(dir, CHECKPOINT_FILE);
  writeFileAtomic(file, encodeSafetensors(tensors, { format: FORMAT, [FORMAT]: JSON.stringify(metadata, typedArraysOut) }));
  return file;
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, CHECKPOINT_FILE));
}

/** Reads and verifies a checkpoint: the weights must be the model's (names, shapes) and match their checksum. */
export function loadCheckpoint<H = unknown>(dir: string, specs: readonly WeightSpec[], modelSpec: string): Checkpoint<H> {
  const file = join(dir, CHECKPOINT_FILE);
  const problem = (what: string, remedy?: string) => new GeoFedError(`checkpoint ${file}: ${what}`, remedy ? { remedy } : {});
  if (!existsSync(file)) throw problem('not found', 'start without --resume, or point --checkpoint-dir at the folder holding it');
  const parsed = (() => {
    try {
      return decodeSafetensors(readFileSync(file));
    } catch (e) {
      throw problem((e as Error).message);
    }
  })();
  const raw = parsed.metadata[FORMAT];
  if (parsed.metadata.format !== FORMAT || raw === undefined) throw problem('is not a GeoFed checkpoint');
  const meta = JSON.parse(raw, typedArraysIn) as Metadata;
  if (meta.version !== VERSION) throw problem(`has format version ${meta.version}, this GeoFed reads ${VERSION}`);
  if (meta.modelSpec !== modelSpec) {
    throw problem(`was written for model ${meta.modelSpec}, the config says ${modelSpec}`, 'resume with the config the checkpoint was made with');
  }
  const byName = new Map(parsed.tensors.map((t) => [t.name, t]));
  const weights = specs.map((s) => {
    const t = byName.get(`weights/${s.name}`);
    if (t === undefined || t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i])) {
      throw problem(`tensor weights/${s.name} is missing or not of shape [${s.shape.join(', ')}]`);
    }
    return t.data;
  });
  if (weightsChecksum(weights) !== meta.weightsChecksum) throw problem('weights do not match their checksum (the file is damaged)');
  const strategyTensors = Object.fromEntries(
    Object.entries(meta.strategy.tensors).map(([key, n]) => [
      key,
      Array.from({ length: n }, (_, i) => {
        const t = byName.get(`strategy/${key}/${i}`);
        if (t === undefined) throw problem(`strategy tensor ${key}/${i} is missing`);
        return t.data;
      }),
    ]),
  );
  return {
    engine: {
      round: meta.round,
      weights,
      strategy: { name: meta.strategy.name, round: meta.strategy.round, scalars: meta.strategy.scalars, tensors: strategyTensors },
      rng: meta.rng,
      ...(meta.method !== undefined ? { method: meta.method } : {}),
    },
    history: meta.history as H[],
    modelSpec: meta.modelSpec,
  };
}
