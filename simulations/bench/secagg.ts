/**
 * npm run bench:secagg [-- --clients 10,50 --reps 1]
 * Overhead of one secure-aggregation round as the simulation runs it (every client and the server in one process,
 * the full protocol: keys, encrypted Shamir shares, masking, unmasking): for 10 and 50 clients, the vector of the
 * MLP 784-200-200-10 (fedavg: weights and sample count) and of geofed (plus the class statistics of 10 classes in
 * 200 dimensions), with no dropout and with 30% of the clients dropping out after masking. Reports wall time
 * (clients together, server), payload bytes per client up and down, and what a plain upload of the same values
 * would send. Writes simulations/bench/results/secagg.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { secureSumInProcess } from '@geofed/shared/secagg/inProcess';
import { Rng } from '@geofed/shared/math/rng';

const RESULTS = new URL('./results/secagg.md', import.meta.url).pathname;
const flag = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const clientCounts = (flag('clients') ?? '10,50').split(',').map(Number);
const reps = Number(flag('reps') ?? 1);

const PARAMETERS = 784 * 200 + 200 + 200 * 200 + 200 + 200 * 10 + 10; // 199,210
const CLASSES = 10;
const DIM = 200;
const STATS_WORDS = CLASSES * (1 + DIM + (DIM * (DIM + 1)) / 2);
const PAYLOADS = [
  // Plain bytes: float32 weights + the count; geofed adds float64 statistics with the full S (as uploaded today).
  { name: 'fedavg', words: PARAMETERS + 1, plainBytes: 4 * PARAMETERS + 8 },
  { name: 'geofed', words: PARAMETERS + 1 + STATS_WORDS, plainBytes: 4 * PARAMETERS + 8 + CLASSES * 8 * (1 + DIM + DIM * DIM) },
];
const MiB = 1024 * 1024;

/** Rewritten after every row, so an interrupted benchmark keeps what it measured. */
function writeTable(rows: readonly string[], done: boolean): string {
  const table = [
    '# bench:secagg',
    '',
    `Command: \`npm run bench:secagg -- ${process.argv.slice(2).join(' ')}\``,
    `Date: ${new Date().toISOString().slice(0, 10)}; Node ${process.version}; ${cpus()[0]?.model ?? 'cpu'} x ${cpus().length}; ` +
      `load average ${loadavg()[0]!.toFixed(0)} at the end: the machine was shared by several busy processes, so times are inflated and noisy.`,
    `One round of the in-process protocol (simulation path), ${reps} repetition(s); threshold = ceil(2n/3); the dropouts send keys and shares, ` +
      'mask, and never deliver their masked input, so the server reconstructs their pairwise masks. Client time is per client (sequential ' +
      'in one process); server time covers routing, summing and unmasking. Bytes are payload bytes (keys, sealed shares, masked vectors, ' +
      'revealed shares) per client; "plain up" is what the same client uploads without secure aggregation. The networked path is not implemented.',
    '',
    '| clients | payload | dropout | client s | server s | up MiB/client | down MiB/client | plain up MiB/client |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  mkdirSync(new URL('./results/', import.meta.url).pathname, { recursive: true });
  writeFileSync(RESULTS, done ? table : `${table}\n(interrupted: rows not yet measured are missing)\n`);
  return table;
}

const rows: string[] = [];
for (const n of clientCounts) {
  for (const payload of PAYLOADS) {
    for (const dropout of [0, 0.3]) {
      const rng = new Rng(n);
      const inputs = new Map(Array.from({ length: n }, (_, k) => [`client-${k}`, Uint32Array.from({ length: payload.words }, () => rng.int(2 ** 32))]));
      const ids = [...inputs.keys()];
      const dropped = new Set(ids.slice(0, Math.round(dropout * n)));
      const threshold = Math.max(2, Math.ceil((2 * n) / 3));
      let client = 0;
      let server = 0;
      let up = 0;
      let down = 0;
      for (let r = 0; r < reps; r++) {
        const res = await secureSumInProcess(inputs, { round: `bench-${r}`, threshold, dropAfterMasking: dropped });
        client += res.clientSeconds / reps;
        server += res.serverSeconds / reps;
        up = res.bytesUp;
        down = res.bytesDown;
      }
      const row =
        `| ${n} | ${payload.name} | ${Math.round(dropout * 100)}% | ${(client / n).toFixed(2)} | ${server.toFixed(2)} | ` +
        `${(up / n / MiB).toFixed(2)} | ${(down / n / MiB).toFixed(3)} | ${(payload.plainBytes / MiB).toFixed(2)} |`;
      rows.push(row);
      process.stdout.write(`${row}\n`);
      writeTable(rows, false);
    }
  }
}

process.stdout.write(`\n${writeTable(rows, true)}`);
