import protobuf from 'protobufjs/light.js';
import type { Field, OneOf, Type } from './schema.ts';
import { WireError } from './errors.ts';

/**
 * Converts between protobufjs's decoded messages and the TypeScript shapes in messages.ts, walking the reflection
 * of geofed.proto, and enforces what proto3 cannot: the .proto's "Required." fields, known enum values, finite
 * floating point numbers, 64-bit integers that fit a JS number, and per-message checks (`MessageChecks`).
 * Both directions run the same checks, so a sender cannot build a message its peer would refuse.
 */

type Plain = Record<string, unknown>;
/** A check of one message's converted value, keyed by the message's name in the .proto. */
export type MessageChecks = Readonly<Record<string, (value: never, path: string) => void>>;

interface FieldPlan {
  readonly field: Field;
  readonly name: string;
  readonly required: boolean;
  readonly floating: boolean;
  /** Set for members of a real (non-synthetic) oneof: they travel as `{ case, value }` under the oneof's name. */
  readonly oneof: OneOf | undefined;
}

interface TypePlan {
  readonly fields: readonly FieldPlan[];
  readonly oneofs: readonly { readonly oneof: OneOf; readonly required: boolean }[];
}

const REQUIRED = /^Required\./;
const plans = new WeakMap<Type, TypePlan>();

function planOf(type: Type): TypePlan {
  let plan = plans.get(type);
  if (plan === undefined) {
    const oneofs = type.oneofsArray.filter((o) => !o.isProto3Optional);
    plan = {
      fields: type.fieldsArray.map((field) => ({
        field,
        name: field.name,
        required: REQUIRED.test(field.comment ?? ''),
        floating: field.type === 'double' || field.type === 'float',
        oneof: oneofs.find((o) => field.partOf === o),
      })),
      oneofs: oneofs.map((oneof) => ({ oneof, required: REQUIRED.test(oneof.comment ?? '') })),
    };
    plans.set(type, plan);
  }
  return plan;
}

/** Enum names on the TS side drop the prefix that the *_UNSPECIFIED value shows (ENCODING_F16 -> 'f16'). */
function enumPrefix(e: protobuf.Enum): string {
  const unspecified = e.valuesById[0];
  if (unspecified === undefined || !unspecified.endsWith('UNSPECIFIED')) {
    throw new Error(`enum ${e.name} must start with a *_UNSPECIFIED = 0 value`);
  }
  return unspecified.slice(0, -'UNSPECIFIED'.length);
}

function enumName(e: protobuf.Enum, id: number, path: string): string | undefined {
  if (id === 0) return undefined;
  const name = e.valuesById[id];
  if (name === undefined) throw new WireError('BAD_VALUE', `${path}: ${id} is not a known ${e.name} value`);
  return name.slice(enumPrefix(e).length).toLowerCase();
}

function enumId(e: protobuf.Enum, name: unknown, path: string): number {
  const id = typeof name === 'string' ? e.values[enumPrefix(e) + name.toUpperCase()] : undefined;
  if (id === undefined || id === 0) {
    throw new WireError('BAD_VALUE', `${path}: ${String(name)} is not a known ${e.name} value`);
  }
  return id;
}

function isUnset(value: unknown): boolean {
  if (value === undefined || value === '') return true;
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return (value as ArrayLike<unknown>).length === 0;
  return false;
}

function safeInteger(raw: unknown, path: string): number {
  // Without the `long` package (browser bundles) protobufjs already hands out numbers.
  const n = typeof raw === 'number' ? raw : (raw as { toNumber(): number }).toNumber();
  if (!Number.isSafeInteger(n)) throw new WireError('BAD_VALUE', `${path}: ${String(raw)} does not fit in 2^53`);
  return n;
}

/** protobufjs hands out Buffers in Node, Uint8Arrays in browsers and [] for an absent field: always a Uint8Array. */
function plainBytes(raw: unknown): Uint8Array {
  if (raw instanceof Uint8Array) {
    return raw.constructor === Uint8Array ? raw : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  }
  return new Uint8Array(0);
}

function assertFinite(values: ArrayLike<number>, path: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new WireError('NON_FINITE', `${path}[${i}] is ${values[i]}; only finite numbers are allowed`);
    }
  }
}

/** The checks shared by both directions, on the TypeScript-side value of one field. */
function checkField(plan: FieldPlan, value: unknown, path: string): void {
  if (plan.required && isUnset(value)) throw new WireError('MISSING_FIELD', `${path} is required but unset`);
  if (!plan.floating || value === undefined) return;
  if (typeof value === 'number') assertFinite([value], path);
  else if (plan.field.map) assertFinite(Object.values(value as Record<string, number>), path);
  else assertFinite(value as ArrayLike<number>, path);
}

function runChecks(type: Type, value: Plain, path: string, checks: MessageChecks): void {
  (checks[type.name] as ((v: Plain, p: string) => void) | undefined)?.(value, path);
}

// ---------------------------------------------------------------------------------------------------------------
// protobufjs -> TypeScript

function readValue(field: Field, raw: unknown, path: string, checks: MessageChecks): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return raw == null ? undefined : fromWire(resolved, raw as Plain, path, checks);
  if (resolved instanceof protobuf.Enum) return enumName(resolved, raw as number, path);
  if (field.long) return safeInteger(raw, path);
  if (field.bytes) return plainBytes(raw);
  return raw;
}

function readField(field: Field, raw: unknown, path: string, checks: MessageChecks): unknown {
  if (field.map) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(raw as Plain)) out[key] = readValue(field, v, `${path}[${key}]`, checks);
    return out;
  }
  if (field.repeated) {
    const items = raw as unknown[];
    if (field.type === 'double') return Float64Array.from(items as number[]);
    if (field.type === 'float') return Float32Array.from(items as number[]);
    return items.map((v, i) => readValue(field, v, `${path}[${i}]`, checks));
  }
  return readValue(field, raw, path, checks);
}

function isSet(message: Plain, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(message, name) && message[name] != null;
}

/** A decoded protobufjs message -> its TypeScript shape, checked. */
export function fromWire(type: Type, message: Plain, path: string, checks: MessageChecks): Plain {
  const out: Plain = {};
  const plan = planOf(type);
  for (const f of plan.fields) {
    if (f.oneof !== undefined) continue;
    const raw = f.field.partOf !== null && !isSet(message, f.name) ? undefined : message[f.name];
    const fieldPath = `${path}.${f.name}`;
    const value = raw === undefined ? undefined : readField(f.field, raw, fieldPath, checks);
    checkField(f, value, fieldPath);
    if (value !== undefined) out[f.name] = value;
  }
  for (const { oneof, required } of plan.oneofs) {
    const set = oneof.fieldsArray.filter((field) => isSet(message, field.name));
    if (set.length > 1) {
      throw new WireError('BAD_VALUE', `${path}.${oneof.name} has ${set.map((s) => s.name).join(' and ')}; one is allowed`);
    }
    if (set.length === 0) {
      if (required) throw new WireError('MISSING_FIELD', `${path}.${oneof.name} is required but unset`);
      continue;
    }
    const field = set[0]!;
    out[oneof.name] = { case: field.name, value: readField(field, message[field.name], `${path}.${field.name}`, checks) };
  }
  runChecks(type, out, path, checks);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// TypeScript -> protobufjs

function writeValue(field: Field, value: unknown, path: string, checks: MessageChecks): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return toWire(resolved, value as Plain, path, checks);
  if (resolved instanceof protobuf.Enum) return enumId(resolved, value, path);
  return value;
}

function writeField(field: Field, value: unknown, path: string, checks: MessageChecks): unknown {
  if (field.map) {
    const out: Plain = {};
    for (const [key, v] of Object.entries(value as Plain)) out[key] = writeValue(field, v, `${path}[${key}]`, checks);
    return out;
  }
  // Typed arrays of numbers go to protobufjs's encoder as they are: it only indexes them.
  if (field.repeated && field.resolvedType !== null) {
    return (value as unknown[]).map((v, i) => writeValue(field, v, `${path}[${i}]`, checks));
  }
  return writeValue(field, value, path, checks);
}

/** A TypeScript-shaped message -> the object protobufjs's encoder takes, checked. */
export function toWire(type: Type, value: Plain, path: string, checks: MessageChecks): Plain {
  const out: Plain = {};
  const plan = planOf(type);
  for (const f of plan.fields) {
    if (f.oneof !== undefined) continue;
    const fieldPath = `${path}.${f.name}`;
    const v = value[f.name];
    checkField(f, v, fieldPath);
    if (v !== undefined) out[f.name] = writeField(f.field, v, fieldPath, checks);
  }
  for (const { oneof, required } of plan.oneofs) {
    const chosen = value[oneof.name] as { case: string; value: unknown } | undefined;
    if (chosen === undefined) {
      if (required) throw new WireError('MISSING_FIELD', `${path}.${oneof.name} is required but unset`);
      continue;
    }
    const field = type.fields[chosen.case];
    if (field === undefined || field.partOf !== oneof) {
      throw new WireError('BAD_VALUE', `${path}.${oneof.name}: ${chosen.case} is not one of its cases`);
    }
    out[field.name] = writeField(field, chosen.value, `${path}.${field.name}`, checks);
  }
  runChecks(type, value, path, checks);
  return out;
}
