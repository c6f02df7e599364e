import { readFileSync } from 'node:fs';
import { GeoFedError } from '../errors.ts';

const FORMAT = 'fix the file: {"clients": [[training indices of client 0], [client 1], ...]}, each index at most once';

function bad(path: string, what: string, remedy = FORMAT): GeoFedError {
  return new GeoFedError(`partition file ${path}: ${what}`, { remedy, code: 'BAD_CONFIG' });
}

/** Reads a partition saved as JSON `{"clients": [[...], ...]}` (other keys ignored), checking every index. */
export function readPartitionFile(path: string, n: number, expectedClients?: number): Int32Array[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw bad(path, 'does not exist', 'check the path');
    throw bad(path, (e as Error).message);
  }
  const lists = (parsed as { clients?: unknown } | null)?.clients;
  if (!Array.isArray(lists) || lists.length === 0) throw bad(path, 'needs a non-empty "clients" array');
  if (expectedClients !== undefined && lists.length !== expectedClients) {
    throw bad(path, `holds ${lists.length} clients, expected ${expectedClients}`);
  }
  const owner = new Int32Array(n).fill(-1);
  return lists.map((list: unknown, client) => {
    if (!Array.isArray(list)) throw bad(path, `client ${client} is not an array of indices`);
    const out = new Int32Array(list.length);
    list.forEach((index: unknown, i) => {
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= n) {
        throw bad(path, `client ${client}: index ${JSON.stringify(index)} is outside the training set [0, ${n})`);
      }
      if (owner[index] !== -1) {
        const other = owner[index] === client ? 'this client' : `client ${owner[index]}`;
        throw bad(path, `client ${client}: index ${index} appears twice (also in ${other})`);
      }
      owner[index] = client;
      out[i] = index;
    });
    return out;
  });
}
