import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { GeoFedError } from '@geofed/shared/errors';
import { PARTITION_SCHEMES, partitionSpecSchema, type PartitionSpecInput } from '@geofed/shared/partition/index';
import type { Encoding } from '@geofed/shared/wire/messages';

const DATASETS = ['fashion-mnist', 'synthetic'] as const;
const ENCODINGS: readonly Encoding[] = ['f32', 'f16', 'int8'];

interface ClientFlags {
  server: string;
  clientId?: string;
  token?: string;
  dataset: string;
  clients: string;
  index?: string;
  scheme: string;
  alpha: string;
  minSize: string;
  classesPerClient: string;
  imbalance: string;
  seed: string;
  echo?: boolean;
  encodings: string;
  maxMessageBytes: string;
  reconnectMaxMs: string;
  giveUpAfter: string;
  stay?: boolean;
  ca?: string;
}

function numberFlag(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new GeoFedError(`--${flag} must be a number, got "${value}"`);
  return n;
}

/** The partition spec from the flags: each scheme takes the keys its schema knows, the others are ignored. */
function partitionFromFlags(flags: ClientFlags): PartitionSpecInput {
  const variant = partitionSpecSchema.options.find((o) => o.shape.scheme.value === flags.scheme);
  if (variant === undefined || flags.scheme === 'file') {
    throw new GeoFedError(`--scheme ${flags.scheme} is not available here`, { remedy: `use one of: ${PARTITION_SCHEMES.filter((s) => s !== 'file').join(', ')}` });
  }
  const candidates: Record<string, number> = {
    clients: numberFlag('clients', flags.clients),
    alpha: numberFlag('alpha', flags.alpha),
    minSize: numberFlag('min-size', flags.minSize),
    classesPerClient: numberFlag('classes-per-client', flags.classesPerClient),
    imbalance: numberFlag('imbalance', flags.imbalance),
  };
  const keys = Object.keys(variant.shape);
  return { scheme: flags.scheme, ...Object.fromEntries(Object.entries(candidates).filter(([k]) => keys.includes(k))) } as PartitionSpecInput;
}

function encodingsFromFlag(value: string): Encoding[] {
  const list = value.split(',').map((s) => s.trim());
  const unknown = list.filter((e) => !(ENCODINGS as readonly string[]).includes(e));
  if (list.length === 0 || unknown.length > 0) throw new GeoFedError(`--encodings: unknown ${unknown.join(', ')}`, { remedy: `list some of ${ENCODINGS.join(', ')}` });
  return list as Encoding[];
}

async function run(flags: ClientFlags): Promise<void> {
  // Loaded here so that other commands do not pay for the client's modules at start-up.
  const { startNodeClient } = await import('@geofed/client/edge/nodeClient');
  const { loadClientShard } = await import('../../runner/clientShard.ts');
  const token = flags.token ?? process.env.GEOFED_TOKEN;
  if (!token) throw new GeoFedError('no token', { remedy: 'pass --token T or set GEOFED_TOKEN' });
  if (!(DATASETS as readonly string[]).includes(flags.dataset)) {
    throw new GeoFedError(`unknown data set "${flags.dataset}"`, { remedy: `use one of: ${DATASETS.join(', ')}` });
  }
  const shard = flags.echo
    ? undefined
    : await loadClientShard({
        dataset: { name: flags.dataset as (typeof DATASETS)[number] },
        partition: partitionFromFlags(flags),
        index: numberFlag('index', flags.index ?? ''),
        seed: numberFlag('seed', flags.seed),
      });
  const clientId = flags.clientId ?? shard?.simulatedId;
  if (!clientId) throw new GeoFedError('no client id', { remedy: 'pass --client-id ID' });
  const session = await startNodeClient({
    server: flags.server,
    clientId,
    token,
    ...(shard ? { shard } : {}),
    encodings: encodingsFromFlag(flags.encodings),
    maxMessageBytes: numberFlag('max-message-bytes', flags.maxMessageBytes),
    reconnectMaxMs: numberFlag('reconnect-max-ms', flags.reconnectMaxMs),
    giveUpAfterMs: numberFlag('give-up-after', flags.giveUpAfter) * 1000,
    stayAfterRun: flags.stay === true,
    ...(flags.ca ? { ca: readFileSync(flags.ca, 'utf8') } : {}),
  });
  process.stdout.write(
    `geofed client ${clientId}: ${shard ? `${shard.size} training samples (shard ${flags.index} of ${flags.clients}, ${flags.scheme})` : 'echo mode'}, coordinator ${flags.server}\n`,
  );
  const stop = () => session.stop('signal');
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const { kind, reason } = await session.done;
  if (kind === 'refused') throw new GeoFedError(`the coordinator refused this client: ${reason}`, { remedy: 'check --client-id and --token' });
  if (kind === 'unreachable') throw new GeoFedError(`${flags.server}: ${reason}`, { remedy: 'check --server, or start the coordinator first' });
  if (kind === 'ended') process.stdout.write(`geofed client ${clientId}: ${reason}\n`);
  process.exit(0);
}

export function register(program: Command): void {
  program
    .command('client')
    .description('run an edge client: join a coordinator, train on local data each round it is selected for')
    .requiredOption('--server <url>', 'coordinator URL, e.g. http://127.0.0.1:8080')
    .option('--client-id <id>', 'this client\'s id (default: the simulation\'s id for --index, e.g. client-0003)')
    .option('--token <token>', 'credential (or set GEOFED_TOKEN)')
    .option('--dataset <name>', DATASETS.join(' | '), 'fashion-mnist')
    .option('--clients <n>', 'clients in the partition', '10')
    .option('--index <k>', 'which share of the partition this client holds (0-based)')
    .option('--scheme <scheme>', PARTITION_SCHEMES.filter((s) => s !== 'file').join(' | '), 'iid')
    .option('--alpha <alpha>', 'Dirichlet concentration (dirichlet, quantity, longtail)', '0.5')
    .option('--min-size <n>', 'minimum samples per client (dirichlet, quantity, longtail)', '10')
    .option('--classes-per-client <k>', 'labels per client (shards)', '2')
    .option('--imbalance <factor>', 'n_min / n_max (longtail)', '0.01')
    .option('--seed <n>', 'run seed (seeds the partition, as in a simulation)', '0')
    .option('--echo', 'do not train: send the received weights back (transport benchmarks)')
    .option('--encodings <list>', 'tensor encodings this client accepts and produces, preferred first', 'f32,f16,int8')
    .option('--max-message-bytes <n>', 'largest frame this client accepts', String(4 * 1024 * 1024))
    .option('--reconnect-max-ms <ms>', 'longest wait between reconnection attempts', '10000')
    .option('--give-up-after <seconds>', 'exit (code 2) after this long without a coordinator; 0 = never', '300')
    .option('--stay', 'when the run ends, wait for the next one instead of exiting')
    .option('--ca <file>', 'PEM certificate to trust (https coordinator with a self-signed certificate)')
    .action((flags: ClientFlags) => run(flags));
}
