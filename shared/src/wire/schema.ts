import protobuf from 'protobufjs/light.js';
import { geofedDescriptor } from './descriptor.generated.ts';

/**
 * The protobufjs reflection of geofed.proto, loaded from the generated JSON descriptor (no fs, no .proto parser,
 * so it bundles for browsers). protobufjs builds its encoders with `new Function`: pages with a strict
 * Content-Security-Policy need 'unsafe-eval' for this module.
 */
const root = protobuf.Root.fromJSON(geofedDescriptor as protobuf.INamespace).resolveAll();

export const envelopeType: protobuf.Type = root.lookupType('geofed.v1.Envelope');

export type { Type, Field, Enum, OneOf } from 'protobufjs/light.js';
