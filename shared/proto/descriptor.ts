import protobuf from 'protobufjs';

/**
 * The JSON descriptor protobufjs loads at run time, parsed from the .proto text with its comments
 * (double-slash comments included, since the .proto documents fields that way).
 * Shared by the generator and by the test that checks the committed descriptor is up to date.
 */
export function descriptorFromProto(protoSource: string): protobuf.INamespace {
  const { root } = protobuf.parse(protoSource, { alternateCommentMode: true });
  return root.toJSON({ keepComments: true });
}
