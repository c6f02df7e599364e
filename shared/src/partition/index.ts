import { GeoFedError } from '../errors.ts';
import { parseOrThrow } from '../data/parse.ts';
import { Rng } from '../math/rng.ts';
import { requireEnoughSamples } from './common.ts';
import { dirichletSplit } from './dirichlet.ts';
import { domainTransforms } from './domain.ts';
import { readPartitionFile } from './file.ts';
import { iidSplit } from './iid.ts';
import { longTailSplit } from './longtail.ts';
import { quantitySplit } from './quantity.ts';
import { shardsSplit } from './shards.ts';
import { PARTITION_SCHEMES, partitionSpecSchema, type PartitionSpec, type PartitionSpecInput } from './spec.ts';
import type { PartitionOptions } from './progress.ts';
import type { Partition } from './types.ts';

export { applyTransform, checkTransforms } from './domain.ts';
export { partitionSpecSchema, PARTITION_SCHEMES, DOMAIN_KINDS } from './spec.ts';
export type { PartitionSpec, PartitionSpecInput, PartitionScheme, DomainKind } from './spec.ts';
export type { Partition, DomainTransform } from './types.ts';
export type { PartitionOptions, PartitionProgress, OnPartitionProgress } from './progress.ts';

/** Validates a spec, naming the known schemes when the scheme is not one of them. */
export function parsePartitionSpec(input: unknown): PartitionSpec {
  const scheme = (input as { scheme?: unknown } | null)?.scheme;
  if (!PARTITION_SCHEMES.includes(scheme as PartitionSpec['scheme'])) {
    throw new GeoFedError(`unknown partition scheme "${String(scheme)}"`, {
      remedy: `use one of: ${PARTITION_SCHEMES.join(', ')}`,
      code: 'BAD_CONFIG',
    });
  }
  return parseOrThrow(partitionSpecSchema, input, `${String(scheme)} partition`);
}

/**
 * Splits training-set indices among clients. Deterministic in (labels, spec, seed); each sample goes to at most
 * one client (exactly one except under `longtail`, which drops samples to make the tail). Finishes in bounded
 * time: the schemes with a minimum client size redraw a bounded number of times, then fail naming minSize.
 */
export function partition(
  labels: Int32Array,
  numClasses: number,
  input: PartitionSpecInput,
  seed: number,
  options: PartitionOptions = {},
): Partition {
  const spec = parsePartitionSpec(input);
  if (spec.scheme === 'file') return { scheme: spec.scheme, clients: readPartitionFile(spec.file, labels.length, spec.clients) };
  if (spec.clients === undefined) {
    throw new GeoFedError(`the ${spec.scheme} partition needs the number of clients`, { code: 'BAD_CONFIG' });
  }
  const clients = spec.clients;
  const rng = new Rng(seed).fork(`partition:${spec.scheme}`);
  const n = labels.length;
  switch (spec.scheme) {
    case 'iid':
      return { scheme: spec.scheme, clients: iidSplit(n, clients, rng) };
    case 'dirichlet':
      return {
        scheme: spec.scheme,
        clients: dirichletSplit(labels, numClasses, clients, spec.alpha, spec.minSize, rng, options),
      };
    case 'shards':
      return { scheme: spec.scheme, clients: shardsSplit(labels, numClasses, clients, spec.classesPerClient, rng) };
    case 'quantity':
      return { scheme: spec.scheme, clients: quantitySplit(n, clients, spec.alpha, spec.minSize, rng, options) };
    case 'longtail':
      requireEnoughSamples(n, clients);
      return {
        scheme: spec.scheme,
        clients: longTailSplit(labels, numClasses, clients, spec.imbalance, spec.alpha, spec.minSize, rng, options),
      };
    case 'domain':
      return {
        scheme: spec.scheme,
        clients: iidSplit(n, clients, rng.fork('split')),
        transforms: domainTransforms(clients, spec, rng.fork('transforms')),
      };
  }
}
