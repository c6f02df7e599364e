import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { GeoFedError } from '@geofed/shared/errors';
import { loadTrainLabels } from '@geofed/shared/data/registry';
import { partition, PARTITION_SCHEMES, type PartitionSpecInput } from '@geofed/shared/partition/index';
import { formatPartitionTable, summarizePartition } from '@geofed/shared/partition/summary';
import { partitionProgress } from '../partitionProgress.ts';

const CLI_DATASETS = ['fashion-mnist', 'synthetic'] as const;

interface PartitionOptions {
  dataset: string;
  clients: string;
  scheme: string;
  alpha: string;
  classesPerClient: string;
  imbalance: string;
  file?: string;
  minSize: string;
  seed: string;
  json?: boolean;
  plot?: string;
  indices?: string;
}

function numberFlag(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new GeoFedError(`--${flag} must be a number, got "${value}"`);
  return n;
}

function partitionSpec(opts: PartitionOptions, clientsGiven: boolean, imageData: boolean): PartitionSpecInput {
  const clients = numberFlag('clients', opts.clients);
  const alpha = numberFlag('alpha', opts.alpha);
  const minSize = numberFlag('min-size', opts.minSize);
  switch (opts.scheme) {
    case 'iid':
      return { scheme: 'iid', clients };
    case 'dirichlet':
    case 'quantity':
      return { scheme: opts.scheme, clients, alpha, minSize };
    case 'shards':
      return { scheme: 'shards', clients, classesPerClient: numberFlag('classes-per-client', opts.classesPerClient) };
    case 'longtail':
      return { scheme: 'longtail', clients, alpha, minSize, imbalance: numberFlag('imbalance', opts.imbalance) };
    case 'domain':
      // Rotation only makes sense for images.
      return { scheme: 'domain', clients, ...(imageData ? {} : { kinds: ['noise', 'invert', 'contrast'] }) };
    case 'file':
      if (!opts.file) throw new GeoFedError('--scheme file needs --file PATH (JSON with a "clients" array)');
      return { scheme: 'file', file: opts.file, ...(clientsGiven ? { clients } : {}) };
    default:
      throw new GeoFedError(`unknown partition scheme "${opts.scheme}"`, {
        remedy: `use one of: ${PARTITION_SCHEMES.join(', ')}`,
      });
  }
}

/** The parameters that shaped the split, for the heat-map title. */
function titleParams(spec: PartitionSpecInput): Record<string, string | number | undefined> {
  const { scheme: _scheme, clients, ...rest } = spec as Record<string, string | number | undefined>;
  return { clients, ...rest };
}

async function run(opts: PartitionOptions, command: Command): Promise<void> {
  if (!(CLI_DATASETS as readonly string[]).includes(opts.dataset)) {
    throw new GeoFedError(`unknown data set "${opts.dataset}"`, { remedy: `use one of: ${CLI_DATASETS.join(', ')}` });
  }
  const seed = numberFlag('seed', opts.seed);
  const data = await loadTrainLabels({ name: opts.dataset as (typeof CLI_DATASETS)[number] });
  const spec = partitionSpec(opts, command.getOptionValueSource('clients') === 'cli', data.inputShape.length === 3);
  const result = partition(data.labels, data.numClasses, spec, seed, { onProgress: partitionProgress('geofed partition') });
  const summary = summarizePartition(result, data.labels, data.numClasses);
  if (opts.indices) {
    // The shape `partition.scheme: file` reads ("clients"), plus what made it, so a client in any language can hold
    // exactly the shard a simulation gives it.
    const clients = result.clients.map((indices) => Array.from(indices));
    writeFileSync(opts.indices, `${JSON.stringify({ dataset: data.name, seed, spec, clients })}\n`);
  }
  if (opts.plot) {
    // Loaded on demand: every geofed command imports this module, and vega takes a while to load.
    const [{ countHeatmapSpec }, { renderChart }] = await Promise.all([
      import('../../plot/heatmap.ts'),
      import('../../plot/render.ts'),
    ]);
    const chart = countHeatmapSpec({
      counts: summary.counts,
      classNames: data.classNames,
      scheme: result.scheme,
      seed,
      params: titleParams(spec),
      dataset: data.name,
    });
    await renderChart(chart, opts.plot);
  }
  if (opts.json) {
    const { counts, sizes, ...rest } = summary;
    const out = { counts, sizes, ...rest, dataset: data.name, seed, spec, transforms: result.transforms };
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  const params = Object.entries(titleParams(spec))
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const lines = [
    `${data.name}: ${data.labels.length} training samples, ${result.scheme} partition (${params}), seed ${seed}`,
    '',
    formatPartitionTable(summary, data.classNames),
  ];
  result.transforms?.forEach((t, k) => {
    if (k === 0) lines.push('domain transforms:');
    lines.push(
      `  client ${k}: rotation ${t.rotationDeg.toFixed(1)} deg, noise std ${t.noiseStd.toFixed(3)}, ` +
        `contrast ${t.contrast.toFixed(2)}${t.invert ? ', inverted' : ''}`,
    );
  });
  if (opts.plot) lines.push(`heat-map written to ${opts.plot}`);
  if (opts.indices) lines.push(`index lists written to ${opts.indices} (read them back with --scheme file --file ${opts.indices})`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function register(program: Command): void {
  program
    .command('partition')
    .description('split a data set among clients and show the client x class counts and skew')
    .option('--dataset <name>', CLI_DATASETS.join(' | '), 'fashion-mnist')
    .option('--clients <n>', 'number of clients', '10')
    .option('--scheme <scheme>', PARTITION_SCHEMES.join(' | '), 'dirichlet')
    .option('--alpha <alpha>', 'Dirichlet concentration (dirichlet, quantity, longtail)', '0.5')
    .option('--classes-per-client <k>', 'labels per client (shards)', '2')
    .option('--imbalance <factor>', 'n_min / n_max of the long tail, e.g. 0.01 (longtail)', '0.01')
    .option('--file <path>', 'JSON file with a "clients" array of index arrays (file)')
    .option('--min-size <n>', 'redraw until every client holds this many samples (dirichlet, quantity, longtail)', '10')
    .option('--seed <n>', 'random seed', '0')
    .option('--json', 'print the counts and skew measures as one JSON object, nothing else')
    .option('--plot <file>', 'write the client x class heat-map (.png or .svg)')
    .option('--indices <file>', 'write each client\'s training indices as JSON (the file that --scheme file reads)')
    .action((opts: PartitionOptions, command: Command) => run(opts, command));
}
