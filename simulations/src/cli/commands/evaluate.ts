import type { Command } from 'commander';
import { loadSimulationConfig } from '../../config/simulationConfig.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

/** `geofed evaluate` and `geofed embed` read a weights file into the model a run's config describes. */
export interface WeightsAndConfig {
  weights: string;
  config: string;
  set: string[];
}

/** The config's model (data set, architecture, method head) holding the file's weights. */
export async function loadTrainedModel(opts: WeightsAndConfig) {
  const config = loadSimulationConfig(opts.config, opts.set);
  // TF.js and the data load only when a command needs them, so `geofed --help` and light commands start fast.
  const { prepareModel } = await import('@geofed/coordinator/federation/prepareModel');
  const { loadWeightsFor } = await import('@geofed/shared/models/weightsFile');
  const prepared = await prepareModel(config);
  return { config, prepared, weights: loadWeightsFor(opts.weights, prepared.model.weightSpecs) };
}

export function withWeightsAndConfig(command: Command): Command {
  return command
    .requiredOption('--weights <file>', 'a GeoFed weights file (weights.safetensors beside a run\'s result.json)')
    .requiredOption('--config <file>', 'the config the weights were trained with (simulation config, YAML)')
    .option('--set <key=value>', 'override a config key, as for the run (repeatable)', collect, []);
}

export function register(program: Command): void {
  withWeightsAndConfig(
    program.command('evaluate').description("score a weights file on the config's test split and print the accuracy as the run reports it"),
  ).action(async (opts: WeightsAndConfig) => {
    const { config, prepared, weights } = await loadTrainedModel(opts);
    const { scoreWeights } = await import('@geofed/coordinator/federation/prepareModel');
    const evaluation = scoreWeights(prepared, weights, config.evaluation.batchSize);
    prepared.model.dispose();
    process.stdout.write(
      `test accuracy ${(100 * evaluation.accuracy).toFixed(2)}% (${evaluation.accuracy}), test loss ${evaluation.loss} ` +
        `on ${evaluation.n} test samples of ${prepared.dataset.name}\n`,
    );
  });
}
