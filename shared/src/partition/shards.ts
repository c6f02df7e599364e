import { GeoFedError } from '../errors.ts';
import type { Rng } from '../math/rng.ts';
import { concatSorted, indicesByClass, requireEnoughSamples, splitEvenly } from './common.ts';

/**
 * Pathological label skew (#C = k): every client holds exactly k distinct labels and every label is used.
 * Clients pick, in turn, the k labels with the fewest holders so far (ties broken at random), which keeps
 * holder counts within one of each other; each label's shuffled samples are then split evenly among its holders.
 */
export function shardsSplit(
  labels: Int32Array,
  numClasses: number,
  clients: number,
  classesPerClient: number,
  rng: Rng,
): Int32Array[] {
  requireEnoughSamples(labels.length, clients);
  const byClass = indicesByClass(labels, numClasses);
  const present = byClass.flatMap((members, c) => (members.length > 0 ? [c] : []));
  const k = classesPerClient;
  if (k > present.length) {
    throw new GeoFedError(`shards: ${k} classes per client but the data has only ${present.length} classes`, {
      remedy: `use --classes-per-client between 1 and ${present.length}`,
      code: 'BAD_CONFIG',
    });
  }
  if (k * clients < present.length) {
    throw new GeoFedError(
      `shards: ${clients} clients x ${k} classes cover only ${k * clients} of the ${present.length} classes`,
      { remedy: 'raise --classes-per-client or --clients so that every class has a holder', code: 'BAD_CONFIG' },
    );
  }
  // Plain arrays indexed by class rather than maps: this loop runs once per client (100,000 clients in seconds).
  const owners: number[][] = Array.from({ length: numClasses }, () => []);
  const tieBreak = new Float64Array(numClasses);
  const byHoldersThenTie = (a: number, b: number) => owners[a]!.length - owners[b]!.length || tieBreak[a]! - tieBreak[b]!;
  for (let client = 0; client < clients; client++) {
    for (const c of present) tieBreak[c] = rng.next();
    for (const c of [...present].sort(byHoldersThenTie).slice(0, k)) owners[c]!.push(client);
  }
  const held: Int32Array[][] = Array.from({ length: clients }, () => []);
  for (const c of present) {
    const pieces = splitEvenly(rng.shuffle(byClass[c]!.slice()), owners[c]!.length);
    owners[c]!.forEach((client, i) => held[client]!.push(pieces[i]!));
  }
  return held.map(concatSorted);
}
