import type { Command } from 'commander';
import { importRawWeights } from '@geofed/shared/models/weightsImport';
import { writeFileAtomic } from '@geofed/shared/io/atomicWrite';

export function register(program: Command): void {
  const weights = program.command('weights').description('convert weights made by other tools into GeoFed weights files');
  weights
    .command('import')
    .description('turn a manifest of raw little-endian float32 files into a GeoFed weights file (safetensors)')
    .argument('<manifest>', 'JSON: {"tensors":[{"name","shape","file"}]}, files relative to the manifest')
    .option('--transpose-dense', 'transpose 2-D tensors from [out, in] (PyTorch) to [in, out] (TF.js)', false)
    .requiredOption('--out <file>', 'weights file to write')
    .action((manifest: string, opts: { transposeDense: boolean; out: string }) => {
      const bytes = importRawWeights(manifest, { transposeDense: opts.transposeDense });
      writeFileAtomic(opts.out, bytes);
      process.stdout.write(`wrote ${opts.out} (${bytes.length} bytes)\n`);
    });
}
