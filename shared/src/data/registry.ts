import { z } from 'zod';
import { GeoFedError } from '../errors.ts';
import type { Dataset } from './dataset.ts';
import { embeddingsParamsSchema, loadEmbeddings } from './embeddings.ts';
import {
  FASHION_MNIST_CLASS_NAMES,
  FASHION_MNIST_INPUT_SHAPE,
  FASHION_MNIST_REMEDY,
  FASHION_MNIST_URL,
  fashionMnistSearchDirs,
  loadFashionMnist,
  loadFashionMnistTrainLabels,
  locateFashionMnist,
} from './fashionMnist.ts';
import { parseOrThrow } from './parse.ts';
import { makeSynthetic, syntheticParamsSchema } from './synthetic.ts';

export const DATASET_NAMES = ['fashion-mnist', 'synthetic', 'embeddings'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Which data set a run uses, as written in a simulation config. */
export const datasetSpecSchema = z.discriminatedUnion('name', [
  z.object({ name: z.literal('fashion-mnist') }).strict(),
  syntheticParamsSchema.safeExtend({ name: z.literal('synthetic') }),
  embeddingsParamsSchema.safeExtend({ name: z.literal('embeddings') }),
]);

export type DatasetSpec = z.output<typeof datasetSpecSchema>;
export type DatasetSpecInput = z.input<typeof datasetSpecSchema>;

/** Validates a spec, naming the known data sets when the name is not one of them. */
export function parseDatasetSpec(input: unknown): DatasetSpec {
  const name = (input as { name?: unknown } | null)?.name;
  if (!DATASET_NAMES.includes(name as DatasetName)) {
    throw new GeoFedError(`unknown data set "${String(name)}"`, {
      remedy: `use one of: ${DATASET_NAMES.join(', ')}`,
      code: 'BAD_CONFIG',
    });
  }
  return parseOrThrow(datasetSpecSchema, input, `${String(name)} data set spec`);
}

function withoutName<T extends { name: string }>(spec: T): Omit<T, 'name'> {
  const { name: _name, ...rest } = spec;
  return rest;
}

export async function loadDataset(input: DatasetSpecInput): Promise<Dataset> {
  const spec = parseDatasetSpec(input);
  switch (spec.name) {
    case 'fashion-mnist':
      return loadFashionMnist();
    case 'synthetic':
      return makeSynthetic(withoutName(spec));
    case 'embeddings':
      return loadEmbeddings(withoutName(spec));
  }
}

/** What partitioning needs: training labels and class names, without loading features where that is avoidable. */
export interface TrainLabels {
  readonly name: DatasetName;
  readonly labels: Int32Array;
  readonly numClasses: number;
  readonly classNames: readonly string[];
  readonly inputShape: readonly number[];
}

export async function loadTrainLabels(input: DatasetSpecInput): Promise<TrainLabels> {
  const spec = parseDatasetSpec(input);
  if (spec.name === 'fashion-mnist') {
    const labels = await loadFashionMnistTrainLabels();
    return {
      name: spec.name,
      labels,
      numClasses: FASHION_MNIST_CLASS_NAMES.length,
      classNames: FASHION_MNIST_CLASS_NAMES,
      inputShape: FASHION_MNIST_INPUT_SHAPE,
    };
  }
  const dataset = await loadDataset(spec);
  const { numClasses, classNames, inputShape } = dataset;
  return { name: spec.name, labels: dataset.train.y, numClasses, classNames, inputShape };
}

export interface DatasetAvailability {
  readonly name: DatasetName;
  readonly available: boolean;
  /** Where the data comes from when available. */
  readonly location: string;
  readonly remedy?: string;
}

/** For `geofed doctor`: which data sets can be used right now, and from where. */
export function datasetAvailability(env: NodeJS.ProcessEnv = process.env): DatasetAvailability[] {
  const searched = fashionMnistSearchDirs(env);
  const fashion = locateFashionMnist(searched);
  return [
    fashion
      ? { name: 'fashion-mnist', available: true, location: fashion }
      : {
          name: 'fashion-mnist',
          available: false,
          location: `not in ${searched.join(', ')} (first use tries a download from ${FASHION_MNIST_URL})`,
          remedy: FASHION_MNIST_REMEDY,
        },
    { name: 'synthetic', available: true, location: 'generated in memory (seeded Gaussian mixture)' },
    { name: 'embeddings', available: true, location: 'your .npy files (trainFeatures, trainLabels, testFeatures, testLabels)' },
  ];
}
