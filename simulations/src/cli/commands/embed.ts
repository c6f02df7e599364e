import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadTrainedModel, withWeightsAndConfig, type WeightsAndConfig } from './evaluate.ts';

export function register(program: Command): void {
  withWeightsAndConfig(
    program
      .command('embed')
      .description("write the embeddings and labels of the config's data set under a weights file as .npy (numpy.load reads them)"),
  )
    .requiredOption('--out <dir>', 'folder for {train,test}-embeddings.npy and {train,test}-labels.npy')
    .action(async (opts: WeightsAndConfig & { out: string }) => {
      const { prepared, weights } = await loadTrainedModel(opts);
      const { embedClientData } = await import('@geofed/client/methods/embeddings');
      const { encodeNpy } = await import('@geofed/shared/data/npy');
      const { model, dataset } = prepared;
      model.setWeights(weights);
      mkdirSync(opts.out, { recursive: true });
      const written: string[] = [];
      for (const [name, split] of [['train', dataset.train], ['test', dataset.test]] as const) {
        const { z, labels } = embedClientData(model, { split, indices: Int32Array.from({ length: split.n }, (_, i) => i) });
        for (const [kind, bytes] of [['embeddings', encodeNpy(z, [split.n, model.embeddingDim])], ['labels', encodeNpy(labels, [split.n])]] as const) {
          const file = join(opts.out, `${name}-${kind}.npy`);
          writeFileSync(file, bytes);
          written.push(file);
        }
      }
      model.dispose();
      process.stdout.write(`${dataset.name}: ${dataset.train.n} train and ${dataset.test.n} test samples, ${model.embeddingDim}-dimensional embeddings\nwrote ${written.join(', ')}\n`);
    });
}
