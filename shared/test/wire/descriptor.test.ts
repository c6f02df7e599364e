import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { descriptorFromProto } from '../../proto/descriptor.ts';
import { geofedDescriptor } from '../../src/wire/descriptor.generated.ts';

const protoSource = readFileSync(new URL('../../proto/geofed.proto', import.meta.url), 'utf8');

test('the committed descriptor matches geofed.proto (else run `npm run proto` in shared/)', () => {
  // Through JSON, as the generator writes it (protobufjs's objects carry undefined-valued keys).
  assert.deepEqual(geofedDescriptor, JSON.parse(JSON.stringify(descriptorFromProto(protoSource))));
});

test('every enum in geofed.proto starts with a *_UNSPECIFIED = 0 value', () => {
  const { root } = protobuf.parse(protoSource);
  const pkg = root.lookup('geofed.v1') as protobuf.Namespace;
  const enums = pkg.nestedArray.filter((n): n is protobuf.Enum => n instanceof protobuf.Enum);
  assert.ok(enums.length > 0);
  for (const e of enums) assert.match(e.valuesById[0] ?? '', /_UNSPECIFIED$/, e.name);
});
