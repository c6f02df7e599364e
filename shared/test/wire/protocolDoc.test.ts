import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

/*
 * docs/protocol.md is the specification a client in another language is written from: every message, field and
 * enum value of geofed.proto must appear in it, written as code (`name`) or, for messages, as a heading.
 */

const protoSource = readFileSync(new URL('../../proto/geofed.proto', import.meta.url), 'utf8');
const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

function mentioned(name: string): boolean {
  return doc.includes(`\`${name}\``) || new RegExp(`^#+ .*\\b${name}\\b`, 'm').test(doc);
}

/** Every message, field (as named in the .proto) and enum value, each with where it is declared. */
function protoNames(): string[] {
  const { root } = protobuf.parse(protoSource, { keepCase: true });
  const pkg = root.lookup('geofed.v1') as protobuf.Namespace;
  return pkg.nestedArray.flatMap((node) => {
    if (node instanceof protobuf.Type) return [`message ${node.name}`, ...node.fieldsArray.map((f) => `field ${node.name}.${f.name}`)];
    if (node instanceof protobuf.Enum) return [`enum ${node.name}`, ...Object.keys(node.values).map((v) => `value ${node.name}.${v}`)];
    return [];
  });
}

test('docs/protocol.md mentions every message, field and enum value of geofed.proto', () => {
  const names = protoNames();
  assert.ok(names.length > 100, `only ${names.length} names read from the .proto`);
  const missing = names.filter((entry) => !mentioned(entry.split(' ')[1]!.split('.').at(-1)!));
  assert.deepEqual(missing, [], 'describe these in docs/protocol.md');
});
